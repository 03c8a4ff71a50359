//go:build !race

package store

import "testing"

// Counting a write's properties in and out of the queryables allocates
// nothing once its property names are known: it is on every write.
func TestNotePropsAllocs(t *testing.T) {
	s := New()
	c, _, _ := s.Create("c", "", "")
	in, err := ParseFeature([]byte(`{"type":"Feature","id":"a","geometry":null,"properties":{"name":"A","pop":3,"tags":[1,{"x":"}"}],"caf\u00e9":true}}`), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	f := in.feature(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.noteProps(f, 1)
	if n := testing.AllocsPerRun(1000, func() { c.noteProps(f, 1); c.noteProps(f, -1) }); n != 0 {
		t.Fatalf("%.1f allocations to count a feature's properties in and out, want 0", n)
	}
}
