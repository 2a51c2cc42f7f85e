using System.Globalization;
using System.Xml.Linq;

namespace Relay.Intake.Operations.Dashboard;

/// <summary>One line or set of bars: a value per label, null where there is none (a gap, not a zero).</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<double?> Values, string Colour);

public enum ChartKind { Bars, Lines }

/// <summary>A chart: <paramref name="Id"/> makes its title and description referable (unique on the page).</summary>
public sealed record Chart(string Id, string Title, string Description, string Unit, ChartKind Kind, IReadOnlyList<string> Labels, IReadOnlyList<ChartSeries> Series);

/// <summary>
/// Small server-rendered SVG charts for the dashboard: built as XML elements, so the output is
/// well-formed and every text escaped whatever the names hold; an image with a title and a
/// description for screen readers, and a title on every bar and point for a pointer.
/// </summary>
public static class SvgChart
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private const double Width = 720, Height = 240, Left = 56, Right = 12, Top = 30, Bottom = 28;
    private const double PlotWidth = Width - Left - Right, PlotHeight = Height - Top - Bottom;

    public static XElement Render(Chart chart)
    {
        var titleId = chart.Id + "-title";
        var descriptionId = chart.Id + "-desc";
        var values = chart.Series.SelectMany(s => s.Values).OfType<double>().ToList();
        var max = Nice(values.DefaultIfEmpty(0).Max());
        double Y(double v) => Top + PlotHeight - v / max * PlotHeight;
        var slot = PlotWidth / Math.Max(1, chart.Labels.Count);

        var svg = new XElement(Svg + "svg",
            new XAttribute("viewBox", $"0 0 {N(Width)} {N(Height)}"), new XAttribute("width", "100%"),
            new XAttribute("role", "img"), new XAttribute("aria-labelledby", $"{titleId} {descriptionId}"),
            new XAttribute("font-family", "sans-serif"), new XAttribute("font-size", "11"),
            new XElement(Svg + "title", new XAttribute("id", titleId), Clean(chart.Title)),
            new XElement(Svg + "desc", new XAttribute("id", descriptionId), Clean(chart.Description)));

        for (var t = 0; t <= 4; t++)
        {
            var v = max * t / 4;
            svg.Add(new XElement(Svg + "line", A("x1", Left), A("x2", Width - Right), A("y1", Y(v)), A("y2", Y(v)), new XAttribute("stroke", "#ddd")),
                Text(Left - 4, Y(v) + 4, v.ToString("G4", CultureInfo.InvariantCulture), "end"));
        }
        svg.Add(Text(4, 14, chart.Unit, "start"));
        // Every third label: 24 hours side by side do not fit.
        for (var i = 0; i < chart.Labels.Count; i += chart.Labels.Count > 12 ? 3 : 1)
            svg.Add(Text(Left + (i + 0.5) * slot, Height - 10, chart.Labels[i], "middle"));

        if (values.Count == 0 || (chart.Kind == ChartKind.Bars && values.All(v => v == 0)))
            svg.Add(Text(Left + PlotWidth / 2, Top + PlotHeight / 2, "No data in this period", "middle"));
        else if (chart.Kind == ChartKind.Bars)
            AddBars(svg, chart, slot, Y);
        else
            AddLines(svg, chart, slot, Y);

        // The legend, top right, one entry per series.
        var x = Width - Right;
        foreach (var series in chart.Series.Reverse())
        {
            var label = Text(x, 14, series.Name, "end");
            x -= series.Name.Length * 6.5;
            svg.Add(label, new XElement(Svg + "rect", A("x", x - 14), A("y", 5), A("width", 10), A("height", 10), new XAttribute("fill", series.Colour)));
            x -= 28;
        }
        return svg;
    }

    /// <summary>The chart as markup to place inline in a page.</summary>
    public static string Markup(Chart chart) => Render(chart).ToString(SaveOptions.DisableFormatting);

    private static void AddBars(XElement svg, Chart chart, double slot, Func<double, double> y)
    {
        var bar = slot * 0.8 / Math.Max(1, chart.Series.Count);
        for (var s = 0; s < chart.Series.Count; s++)
        {
            var series = chart.Series[s];
            for (var i = 0; i < Math.Min(series.Values.Count, chart.Labels.Count); i++)
            {
                if (series.Values[i] is not { } v || v <= 0)
                    continue;
                svg.Add(new XElement(Svg + "rect", A("x", Left + i * slot + slot * 0.1 + s * bar), A("y", y(v)), A("width", bar), A("height", y(0) - y(v)),
                    new XAttribute("fill", series.Colour), new XElement(Svg + "title", Clean($"{chart.Labels[i]} {series.Name}: {N(v)}"))));
            }
        }
    }

    private static void AddLines(XElement svg, Chart chart, double slot, Func<double, double> y)
    {
        foreach (var series in chart.Series)
        {
            // A run of consecutive values is one line; a missing value breaks it.
            var run = new List<string>();
            void Flush()
            {
                if (run.Count > 1)
                    svg.Add(new XElement(Svg + "polyline", new XAttribute("points", string.Join(" ", run)), new XAttribute("fill", "none"),
                        new XAttribute("stroke", series.Colour), new XAttribute("stroke-width", "2")));
                run.Clear();
            }
            for (var i = 0; i < Math.Min(series.Values.Count, chart.Labels.Count); i++)
            {
                if (series.Values[i] is not { } v)
                {
                    Flush();
                    continue;
                }
                var cx = Left + (i + 0.5) * slot;
                run.Add($"{N(cx)},{N(y(v))}");
                svg.Add(new XElement(Svg + "circle", A("cx", cx), A("cy", y(v)), A("r", 3), new XAttribute("fill", series.Colour),
                    new XElement(Svg + "title", Clean($"{chart.Labels[i]} {series.Name}: {N(v)}"))));
            }
            Flush();
        }
    }

    /// <summary>A round top for the axis: 1, 2 or 5 times a power of ten.</summary>
    public static double Nice(double max)
    {
        if (max <= 0 || double.IsNaN(max) || double.IsInfinity(max))
            return 1;
        var power = Math.Pow(10, Math.Floor(Math.Log10(max)));
        return new[] { 1, 2, 5, 10 }.Select(m => m * power).First(v => v >= max);
    }

    private static XElement Text(double x, double y, string text, string anchor) =>
        new(Svg + "text", A("x", x), A("y", y), new XAttribute("text-anchor", anchor), Clean(text));

    /// <summary>Without the characters XML cannot hold (control characters, lone surrogates): a name with one still renders.</summary>
    private static string Clean(string text)
    {
        var kept = new System.Text.StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (i + 1 < text.Length && char.IsSurrogatePair(text[i], text[i + 1]))
                kept.Append(text, i++, 2);
            else if (System.Xml.XmlConvert.IsXmlChar(text[i]))
                kept.Append(text[i]);
        }
        return kept.ToString();
    }

    private static XAttribute A(string name, double value) => new(name, N(value));

    private static string N(double value) => Math.Round(value, 2).ToString(CultureInfo.InvariantCulture);
}
