// Package report turns results records into evidence: summaries over seeds
// with Student-t confidence intervals, Welch's test between models or result
// sets, and Markdown, CSV and PNG reports, with the runs' confusion
// matrices drawn as heatmaps (WriteConfusion).
package report
