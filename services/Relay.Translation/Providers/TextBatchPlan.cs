namespace Relay.Translation.Providers;

/// <summary>
/// Cuts a list of texts into requests within a provider's limits (texts per request, characters per
/// request) and puts the translated pieces back together per text. A text longer than one request
/// allows is split on sentence boundaries with <see cref="TextChunks.Split"/>; its surrounding
/// whitespace is kept aside and restored, so the pieces rejoin exactly.
/// </summary>
public sealed class TextBatchPlan
{
    private readonly int _textCount;
    private readonly List<(int Text, TextChunk Chunk)> _pieces = [];
    private readonly List<IReadOnlyList<int>> _batches = [];

    private TextBatchPlan(int textCount) => _textCount = textCount;

    /// <summary>Pieces to send, as indices into the plan's pieces; whitespace-only pieces are not sent.</summary>
    public IReadOnlyList<IReadOnlyList<int>> Batches => _batches;

    public int PieceCount => _pieces.Count;

    /// <summary>The text to send for a piece.</summary>
    public string Core(int piece) => _pieces[piece].Chunk.Core;

    public static TextBatchPlan Create(IReadOnlyList<string> texts, int maxTexts, int maxCharacters)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTexts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCharacters, 1);
        var plan = new TextBatchPlan(texts.Count);
        for (var i = 0; i < texts.Count; i++)
        {
            var text = texts[i];
            if (string.IsNullOrWhiteSpace(text))
                plan._pieces.Add((i, new TextChunk(text ?? "", "", "")));
            else if (text.Length <= maxCharacters)
                plan._pieces.Add((i, new TextChunk("", text, ""))); // sent as it is, whitespace included
            else
                plan._pieces.AddRange(TextChunks.Split(text, maxCharacters).Select(chunk => (i, chunk)));
        }

        var batch = new List<int>();
        var characters = 0;
        for (var piece = 0; piece < plan._pieces.Count; piece++)
        {
            var length = plan._pieces[piece].Chunk.Core.Length;
            if (length == 0)
                continue;
            if (batch.Count == maxTexts || (batch.Count > 0 && characters + length > maxCharacters))
            {
                plan._batches.Add(batch);
                batch = [];
                characters = 0;
            }
            batch.Add(piece);
            characters += length;
        }
        if (batch.Count > 0)
            plan._batches.Add(batch);
        return plan;
    }

    /// <summary>The translated texts in input order, from one translation per sent piece (indexed by piece).</summary>
    public IReadOnlyList<string> Assemble(IReadOnlyList<string?> translatedPieces)
    {
        var texts = Enumerable.Range(0, _textCount).Select(_ => new System.Text.StringBuilder()).ToArray();
        for (var piece = 0; piece < _pieces.Count; piece++)
        {
            var (text, chunk) = _pieces[piece];
            var translated = chunk.Core.Length == 0 ? ""
                : translatedPieces[piece] ?? throw new TranslationFailedException($"Piece {piece} of text {text} did not come back.");
            texts[text].Append(chunk.Leading).Append(translated).Append(chunk.Trailing);
        }
        return texts.Select(t => t.ToString()).ToList();
    }
}
