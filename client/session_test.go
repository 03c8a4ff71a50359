package client

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/geometryos/daemon1/api"
	"github.com/geometryos/daemon1/codec"
	"github.com/geometryos/daemon1/server"
)

// dump renders bytes as annotated hex lines.
type dump struct{ b strings.Builder }

func (d *dump) line(bs []byte, note string) {
	h := fmt.Sprintf("% x", bs)
	if len(h) > 47 {
		for len(h) > 48 {
			fmt.Fprintf(&d.b, "%s\n", h[:47])
			h = h[48:]
		}
	}
	fmt.Fprintf(&d.b, "%-48s %s\n", h, note)
}

// header annotates a frame header.
func (d *dump) header(f []byte, what string) []byte {
	d.line(f[:4], fmt.Sprintf("length %d", binary.BigEndian.Uint32(f)))
	d.line(f[4:5], what)
	d.line(f[5:9], fmt.Sprintf("request id %d", binary.BigEndian.Uint32(f[5:])))
	return f[9:]
}

// str16 annotates a str16 field at the start of b.
func (d *dump) str16(b []byte, name string) []byte {
	n := int(binary.BigEndian.Uint16(b))
	d.line(b[:2+n], fmt.Sprintf("%s %q", name, b[2:2+n]))
	return b[2+n:]
}

// The annotated session in docs/protocol.md is a real one: this test
// replays it against the engine and fails if the document's bytes differ
// (UPDATE_DOCS=1 rewrites them).
func TestProtocolSessionInTheDocs(t *testing.T) {
	addr, _ := serve(t, "gnet", api.Options{}, server.Options{})
	nc := rawDial(t, addr)
	var req []byte
	req = append(req, codec.Preamble[:]...)
	frames := [][]byte{
		frame(codec.OpCreateColl, 1, appendStrs(nil, "c", "", "")),
		frame(codec.OpPut, 2, PutPayload("c", Feature{ID: "a", Geometry: Point(13.4, 52.5), Properties: []byte(`{"n":1}`)}, 0)),
		frame(codec.OpGet, 3, appendStrs(nil, "c", "a")),
		frame(codec.OpGet, 4, appendStrs(nil, "c", "b")),
	}
	for _, f := range frames {
		req = append(req, f...)
	}
	nc.Write(req)
	br := bufio.NewReader(nc)
	var answers [][]byte
	for range frames {
		status, id, payload := rawAnswer(t, br)
		answers = append(answers, append(codec.AppendFrameHeader(nil, status, id, len(payload)), payload...))
	}

	var d dump
	d.b.WriteString("```\n→ client\n")
	d.line(req[:4], "preamble: magic D1, 'P', version 1, reserved")
	d.b.WriteString("\n")
	p := d.header(frames[0], "op 30 create-collection")
	p = d.str16(p, "collection")
	p = d.str16(p, "title")
	d.str16(p, "description")
	d.b.WriteString("\n")
	p = d.header(frames[1], "op 11 put")
	d.line(p[:1], "match: flags 0, no expected version")
	p = d.str16(p[1:], "collection")
	p = d.str16(p, "id")
	d.line(p[:4], "wkb: 21 bytes")
	d.line(p[4:25], "WKB Point (13.4, 52.5), little-endian")
	d.line(p[25:29], "props: 7 bytes")
	d.line(p[29:], string(p[29:]))
	for i := range 2 {
		d.b.WriteString("\n")
		p = d.header(frames[2+i], "op 10 get")
		p = d.str16(p, "collection")
		d.str16(p, "id")
	}
	d.b.WriteString("\n← daemon1\n")
	d.header(answers[0], "status 01 created")
	d.b.WriteString("\n")
	p = d.header(answers[1], "status 01 created")
	d.line(p, fmt.Sprintf("version %d", binary.BigEndian.Uint64(p)))
	d.b.WriteString("\n")
	p = d.header(answers[2], "status 00 ok")
	d.line(p[:8], fmt.Sprintf("version %d", binary.BigEndian.Uint64(p)))
	d.line(p[8:12], "wkb: 21 bytes")
	d.line(p[12:33], "WKB Point (13.4, 52.5)")
	d.line(p[33:37], "props: 7 bytes")
	d.line(p[37:], string(p[37:]))
	d.b.WriteString("\n")
	p = d.header(answers[3], "status 44 not found; the payload is the problem document:")
	d.b.WriteString(string(p) + "\n```\n")
	got := d.b.String()

	const path, marker = "../docs/protocol.md", "SESSION_DUMP"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	start := bytes.Index(doc, []byte("```\n→ client"))
	if start < 0 {
		start = bytes.Index(doc, []byte(marker))
	}
	if start < 0 {
		t.Fatalf("%s has no session to compare", path)
	}
	end := start + len(marker)
	if !bytes.HasPrefix(doc[start:], []byte(marker)) {
		end = start + bytes.Index(doc[start:], []byte("\n```\n")) + 5
	}
	if string(doc[start:end]) == got {
		return
	}
	if os.Getenv("UPDATE_DOCS") == "1" {
		doc = append(append(append([]byte{}, doc[:start]...), got...), doc[end:]...)
		if err := os.WriteFile(path, doc, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("the session in %s is not what the daemon sends; run UPDATE_DOCS=1 go test -run %s ./client. It is:\n%s", path, t.Name(), got)
}

// frame is a whole request frame.
func frame(op byte, id uint32, payload []byte) []byte {
	return append(codec.AppendFrameHeader(nil, op, id, len(payload)), payload...)
}
