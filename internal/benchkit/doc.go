// Package benchkit is what the benchmark commands share: running wrk
// (pinned or not) and reading its report, a server's CPU time and memory
// from /proc, and the statistics every report is made of (medians, paired
// ratios, minima).
package benchkit
