package pool

import "sync"

// Of is a typed sync.Pool. New makes a value when the pool is empty; Reset, if
// set, is called by Put so that what comes out of Get is always clean.
type Of[T any] struct {
	p     sync.Pool
	New   func() *T
	Reset func(*T)
}

// Get returns a clean value.
func (o *Of[T]) Get() *T {
	if v := o.p.Get(); v != nil {
		return v.(*T)
	}
	return o.New()
}

// Put resets v and returns it to the pool. v must not be used after Put.
func (o *Of[T]) Put(v *T) {
	if o.Reset != nil {
		o.Reset(v)
	}
	o.p.Put(v)
}
