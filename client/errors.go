package client

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/geometryos/daemon1/codec"
)

// Error is an error answer: the frame status and the server's RFC 9457
// problem document, the same a REST client gets for the same error.
type Error struct {
	Status byte   // the frame status (codec.Status*)
	Type   string // the problem type, e.g. "/problems/no-such-feature"
	Title  string
	Detail string // what to fix
	HTTP   int    // the problem's status: what REST would have answered
}

func (e *Error) Error() string {
	return fmt.Sprintf("daemon1: %d %s (%s): %s", e.HTTP, e.Title, e.Type, e.Detail)
}

// Retryable reports whether the request was refused with nothing done and
// may succeed if sent again later (overloaded, starting, read-only).
func (e *Error) Retryable() bool { return e.Status == codec.StatusUnavailable }

// IsNotFound reports whether err says the collection or feature does not
// exist.
func IsNotFound(err error) bool { return hasStatus(err, codec.StatusNotFound) }

// IsPrecondition reports whether err says an expected version did not match.
func IsPrecondition(err error) bool { return hasStatus(err, codec.StatusPrecondition) }

// IsConflict reports whether err says a feature of a bulk insert exists.
func IsConflict(err error) bool { return hasStatus(err, codec.StatusConflict) }

func hasStatus(err error, s byte) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == s
}

// answerError is the error of an answer: nil for a success.
func answerError(status byte, payload []byte) error {
	if status == codec.StatusOK || status == codec.StatusCreated {
		return nil
	}
	e := &Error{Status: status}
	var p struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}
	if json.Unmarshal(payload, &p) == nil {
		e.Type, e.Title, e.Detail, e.HTTP = p.Type, p.Title, p.Detail, p.Status
	} else {
		e.Detail = fmt.Sprintf("an error answer (status 0x%02x) without a problem document", status)
	}
	return e
}
