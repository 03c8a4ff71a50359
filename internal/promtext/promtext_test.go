package promtext

import (
	"reflect"
	"testing"
)

func TestAnnotate(t *testing.T) {
	families := map[string]Family{
		"a_total":      {Help: "As counted."},
		"b_count":      {Help: "Bs.", Name: "b_total"},
		"c_io_total":   {Help: "Cs.", Type: "counter"},
		"h_seconds":    {Help: "How long."},
		"unused_total": {Help: "Never shown."},
	}
	f := func(in, want string, wantMissing ...string) {
		t.Helper()
		got, missing := Annotate(nil, []byte(in), families)
		if string(got) != want {
			t.Errorf("Annotate(%q):\n got %q\nwant %q", in, got, want)
		}
		if !reflect.DeepEqual(missing, wantMissing) {
			t.Errorf("Annotate(%q): missing %q, want %q", in, missing, wantMissing)
		}
	}
	f("# HELP a_total\n# TYPE a_total counter\na_total 3\n",
		"# HELP a_total As counted.\n# TYPE a_total counter\na_total 3\n")
	// Metadata repeated for each labelled series is written once.
	f("# HELP a_total\n# TYPE a_total counter\na_total{k=\"x\"} 1\n# HELP a_total\n# TYPE a_total counter\na_total{k=\"y\"} 2\n",
		"# HELP a_total As counted.\n# TYPE a_total counter\na_total{k=\"x\"} 1\na_total{k=\"y\"} 2\n")
	// Renamed in metadata and samples; retyped.
	f("# HELP b_count\n# TYPE b_count counter\nb_count 7\n# HELP c_io_total\n# TYPE c_io_total gauge\nc_io_total 9\n",
		"# HELP b_total Bs.\n# TYPE b_total counter\nb_total 7\n# HELP c_io_total Cs.\n# TYPE c_io_total counter\nc_io_total 9\n")
	// A histogram's series keep their suffixes.
	f("# HELP h_seconds\n# TYPE h_seconds histogram\nh_seconds_bucket{le=\"+Inf\"} 1\nh_seconds_sum 0.5\nh_seconds_count 1\n",
		"# HELP h_seconds How long.\n# TYPE h_seconds histogram\nh_seconds_bucket{le=\"+Inf\"} 1\nh_seconds_sum 0.5\nh_seconds_count 1\n")
	// A family not in the table keeps its line and is reported.
	f("# HELP z\n# TYPE z gauge\nz 1", "# HELP z\n# TYPE z gauge\nz 1\n", "z")
	f("", "")
}
