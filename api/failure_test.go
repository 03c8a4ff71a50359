package api

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/geometryos/daemon1/store"
)

// Every error an operation can return has one answer, whatever protocol
// carries it; the table is the one place that says which.
func TestClassify(t *testing.T) {
	on := Subject{Collection: "roads", ID: []byte("r1")}
	f := func(err error, on Subject, status int, problem, detail, retry string) {
		t.Helper()
		got, ok := Classify(err, on)
		if !ok {
			t.Fatalf("%v: not classified", err)
		}
		if got.Status != status || got.Problem.Type != problem || !strings.Contains(got.Detail, detail) || got.RetryAfter != retry {
			t.Fatalf("%v: %d %s %q retry %q; want %d %s …%q… retry %q", err, got.Status, got.Problem.Type, got.Detail, got.RetryAfter,
				status, problem, detail, retry)
		}
	}
	wrapped := func(err error) error { return fmt.Errorf("%w: the disk said so", err) }
	f(store.ErrNoCollection, on, 404, "/problems/no-such-collection", `no collection "roads"`, "")
	f(store.ErrNoFeature, on, 404, "/problems/no-such-feature", `collection "roads" has no feature "r1"`, "")
	f(store.ErrPrecondition, on, 412, "/problems/precondition-failed", "If-Match", "")
	f(store.ErrKeyReused, on, 422, "/problems/idempotency-key-reused", "nothing was written", "")
	f(store.ErrExists, on, 409, "/problems/conflict", `already has a feature "r1": PUT /collections/roads/items/{id}`, "")
	f(store.ErrExists, Subject{Collection: "roads", ID: []byte("r9"), Bulk: true, Item: 3}, 409, "/problems/conflict",
		`features[3]: collection "roads" already has a feature "r9"; nothing was inserted`, "")
	f(store.ErrDuplicateID, Subject{ID: []byte("r9"), Bulk: true, Item: 3}, 400, "/problems/invalid-body",
		`features[3]: id "r9" appears earlier`, "")
	f(&store.TooManyError{Max: 10}, on, 413, "/problems/payload-too-large", "at most 10 features", "")
	f(&store.GeometryError{Path: "coordinates[0]", Reason: "longitude 200 is outside [-180, 180]"}, on, 422,
		"/problems/invalid-geometry", "invalid geometry at coordinates[0]: longitude 200", "")
	f(&store.InputError{Reason: "must be a GeoJSON Feature object"}, on, 400, "/problems/invalid-body", "the body: must be", "")
	f(&store.InputError{Path: "properties", Reason: "must be an object or null"}, on, 400, "/problems/invalid-body", "properties: must be", "")
	f(wrapped(store.ErrNoSpace), on, 507, "/problems/insufficient-storage", "disk", "")
	f(wrapped(store.ErrReadOnly), on, 503, "/problems/read-only", "the disk said so", "60")
	f(store.ErrBusy, on, 503, ProblemUnavailable.Type, "too many writes", "1")
	f(store.ErrClosed, on, 503, ProblemUnavailable.Type, "shutting down", "1")
	f(wrapped(store.ErrOutcomeUnknown), on, 504, "/problems/outcome-unknown", "may or may not", "")
	f(wrapped(store.ErrWriteFailed), on, 503, ProblemUnavailable.Type, "it was not made", "1")
	f(errStarting, Subject{}, 503, ProblemUnavailable.Type, "replaying", "1")
}

// An error the table does not know is a bug: the caller answers 500.
func TestClassifyUnknown(t *testing.T) {
	if f, ok := Classify(errors.New("something new"), Subject{}); ok {
		t.Fatalf("an unknown error classified as %+v", f)
	}
}
