using Relay.Tests.Support;
using Relay.Translation;
using Relay.Translation.Providers;

namespace Relay.Tests.Translation;

public class TextChunksTests
{
    [Fact]
    public void Every_seed_page_splits_into_requests_under_the_limit_and_rejoins_unchanged()
    {
        var text = Seeds.AllText;
        var chunks = TextChunks.Split(text, 1000);

        Assert.True(chunks.Count > 10, $"expected many chunks for {text.Length} characters, got {chunks.Count}");
        Assert.All(chunks, c => Assert.InRange(c.Core.Length, 0, 1000));
        Assert.Equal(text, string.Concat(chunks.Select(c => c.Leading + c.Core + c.Trailing)));
    }

    [Fact]
    public void Chunks_end_on_sentence_or_line_boundaries()
    {
        var chunks = TextChunks.Split(Seeds.Cerrejon.Body, 300);

        Assert.All(chunks.Where(c => c.Core.Length > 0).SkipLast(1), c => Assert.Matches("""[.!?…"”']$""", c.Core));
    }

    [Fact]
    public void A_sentence_longer_than_the_limit_is_cut_between_words()
    {
        var sentence = string.Join(' ', Enumerable.Repeat("solidarity", 300));
        var chunks = TextChunks.Split(sentence, 1000);

        Assert.True(chunks.Count >= 3);
        Assert.All(chunks, c => Assert.DoesNotContain("solidaritysolidarity", c.Core));
        Assert.Equal(sentence, string.Concat(chunks.Select(c => c.Leading + c.Core + c.Trailing)));
    }

    [Theory]
    [InlineData("Colegas queridos,  hemos oído.\n\n Tienes nuestra solidaridad.", "Colegas queridos, hemos oído.\n\nTienes nuestra solidaridad.")]
    [InlineData("  Hola   mundo ", "Hola mundo")]
    public void Tidy_removes_the_spacing_a_provider_leaves(string output, string expected) =>
        Assert.Equal(expected, TextChunks.Tidy(output));

    [Theory]
    [InlineData("First paragraph.\n\nSecond paragraph.", "")]
    [InlineData("First paragraph of a long letter.\n\nSecond paragraph of a long letter.", "Primer")]
    [InlineData("First paragraph.\n\nSecond paragraph.", "Primer párrafo. Segundo párrafo.")]
    public void Output_that_lost_part_of_its_input_is_refused(string input, string output) =>
        Assert.Throws<TranslationFailedException>(() => TextChunks.EnsureComplete(input, output));

    [Fact]
    public void Complete_output_is_accepted() =>
        TextChunks.EnsureComplete("First paragraph.\n\nSecond paragraph.", "Primer párrafo.\n\nSegundo párrafo.");
}
