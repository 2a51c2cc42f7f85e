using Microsoft.AspNetCore.Http.HttpResults;

namespace Relay.Intake;

/// <summary>Collects what is wrong with a request, field by field, for one problem-details answer.</summary>
public sealed class Validation
{
    private readonly Dictionary<string, List<string>> _errors = [];

    public bool IsValid => _errors.Count == 0;

    /// <summary>The errors by field, for a form that shows each next to its field.</summary>
    public IReadOnlyDictionary<string, List<string>> Errors => _errors;

    public Validation Add(string field, string error)
    {
        if (!_errors.TryGetValue(field, out var list))
            _errors[field] = list = [];
        list.Add(error);
        return this;
    }

    public Validation Check(bool ok, string field, string error) => ok ? this : Add(field, error);

    /// <summary>400 problem details whose <c>detail</c> names every error and whose <c>errors</c> lists them by field.</summary>
    public ValidationProblem Problem() => TypedResults.ValidationProblem(
        _errors.ToDictionary(e => e.Key, e => e.Value.ToArray()),
        detail: string.Join(" ", _errors.SelectMany(e => e.Value)),
        title: "The request is not valid.");

    /// <summary>A required one-line text such as a name: present, at most <paramref name="max"/> characters, no CR or LF.</summary>
    public Validation RequiredLine(string field, string? value, string whenEmpty, int max = 200)
    {
        if (string.IsNullOrWhiteSpace(value))
            return Add(field, whenEmpty);
        return Check(value.Trim().Length <= max, field, $"The {field} is longer than {max} characters.")
            .Check(!HasLineBreak(value), field, $"The {field} may not contain line breaks.");
    }

    public static bool HasLineBreak(string? value) => value is not null && value.AsSpan().IndexOfAny('\r', '\n') >= 0;
}
