package codec

// ProblemContentType is the media type of RFC 9457 problem details.
const ProblemContentType = "application/problem+json"

// Problem is an RFC 9457 problem details object. Type is a stable relative URI
// naming the kind of problem (e.g. "/problems/not-found"), documented in the
// OpenAPI document; Detail says what to fix; Instance is the request path.
type Problem struct {
	Type     string
	Title    string
	Status   int
	Detail   string
	Instance []byte
	// RequestID, when not 0, is added as the extension member "requestId"
	// (16 hex digits): the key to the error log for a 5xx.
	RequestID uint64
}

// AppendProblem appends p as a JSON object. Empty Detail and Instance, and a
// zero RequestID, are left out.
func AppendProblem(dst []byte, p *Problem) []byte {
	dst = append(dst, `{"type":`...)
	dst = AppendString(dst, p.Type)
	dst = append(dst, `,"title":`...)
	dst = AppendString(dst, p.Title)
	dst = append(dst, `,"status":`...)
	dst = AppendInt(dst, int64(p.Status))
	if p.Detail != "" {
		dst = append(dst, `,"detail":`...)
		dst = AppendString(dst, p.Detail)
	}
	if len(p.Instance) > 0 {
		dst = append(dst, `,"instance":`...)
		dst = AppendString(dst, p.Instance)
	}
	if p.RequestID != 0 {
		dst = append(dst, `,"requestId":"`...)
		dst = AppendRequestID(dst, p.RequestID)
		dst = append(dst, '"')
	}
	return append(dst, '}')
}
