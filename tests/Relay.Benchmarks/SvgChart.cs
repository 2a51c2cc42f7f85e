using System.Globalization;
using System.Net;
using System.Text;

namespace Relay.Benchmarks;

/// <summary>
/// A plain SVG line chart for the benchmark reports: one panel per measure (throughput, latency),
/// the load on the x axis at evenly spaced points, one line per way measured, a shared legend.
/// </summary>
internal static class SvgChart
{
    public sealed record Series(string Name, IReadOnlyList<double> Values);

    public sealed record Panel(string Title, string Unit, IReadOnlyList<Series> Series);

    private static readonly string[] Colours = ["#1b6ca8", "#d1495b", "#66a182", "#edae49", "#6a4c93", "#2e4057", "#8d6e63", "#00798c"];

    public static string Render(string title, string xLabel, IReadOnlyList<string> xValues, IReadOnlyList<Panel> panels)
    {
        const int panelWidth = 420, panelHeight = 260, margin = 60, legendLine = 18;
        var names = panels.SelectMany(p => p.Series.Select(s => s.Name)).Distinct().ToList();
        var width = panels.Count * (panelWidth + margin) + margin;
        var height = 50 + panelHeight + 60 + names.Count * legendLine + 10;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">""").Append('\n');
        svg.Append(CultureInfo.InvariantCulture, $"""<rect width="{width}" height="{height}" fill="white"/><text x="{margin}" y="24" font-size="15" font-weight="bold">{Escape(title)}</text>""").Append('\n');
        for (var p = 0; p < panels.Count; p++)
        {
            var panel = panels[p];
            var left = margin + p * (panelWidth + margin);
            const int top = 50;
            var max = Nice(panel.Series.SelectMany(s => s.Values).DefaultIfEmpty(1).Max());
            double X(int i) => left + (xValues.Count == 1 ? panelWidth / 2.0 : i * panelWidth / (double)(xValues.Count - 1));
            double Y(double v) => top + panelHeight - v / max * panelHeight;
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{left}" y="{top - 8}" font-weight="bold">{Escape(panel.Title)} ({Escape(panel.Unit)})</text>""").Append('\n');
            for (var t = 0; t <= 4; t++)
            {
                var v = max * t / 4;
                svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{left}" x2="{left + panelWidth}" y1="{Y(v):F1}" y2="{Y(v):F1}" stroke="#ddd"/><text x="{left - 6}" y="{Y(v) + 4:F1}" text-anchor="end">{v:G4}</text>""").Append('\n');
            }
            for (var i = 0; i < xValues.Count; i++)
                svg.Append(CultureInfo.InvariantCulture, $"""<text x="{X(i):F1}" y="{top + panelHeight + 16}" text-anchor="middle">{Escape(xValues[i])}</text>""").Append('\n');
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{left + panelWidth / 2}" y="{top + panelHeight + 34}" text-anchor="middle">{Escape(xLabel)}</text>""").Append('\n');
            foreach (var series in panel.Series)
            {
                var colour = Colours[names.IndexOf(series.Name) % Colours.Length];
                var points = string.Join(" ", series.Values.Select((v, i) => string.Create(CultureInfo.InvariantCulture, $"{X(i):F1},{Y(v):F1}")));
                svg.Append(CultureInfo.InvariantCulture, $"""<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>""").Append('\n');
                foreach (var (v, i) in series.Values.Select((v, i) => (v, i)))
                    svg.Append(CultureInfo.InvariantCulture, $"""<circle cx="{X(i):F1}" cy="{Y(v):F1}" r="3" fill="{colour}"><title>{Escape(series.Name)}: {v:G4}</title></circle>""").Append('\n');
            }
        }
        for (var n = 0; n < names.Count; n++)
        {
            var y = 50 + panelHeight + 60 + n * legendLine;
            svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{margin}" y="{y - 10}" width="14" height="4" fill="{Colours[n % Colours.Length]}"/><text x="{margin + 20}" y="{y - 4}">{Escape(names[n])}</text>""").Append('\n');
        }
        return svg.Append("</svg>\n").ToString();
    }

    /// <summary>A round top for the axis: 1, 2 or 5 times a power of ten.</summary>
    private static double Nice(double max)
    {
        if (max <= 0)
            return 1;
        var power = Math.Pow(10, Math.Floor(Math.Log10(max)));
        return new[] { 1, 2, 5, 10 }.Select(m => m * power).First(v => v >= max);
    }

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
