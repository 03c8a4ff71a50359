package store

// A read pipelined behind writes that its client has not yet been answered
// for must see them, and must not see the writes pipelined after it (the
// order a connection's requests are made in). Waiting for the writes ahead
// to be answered before reading would cost the pipeline one commit, one
// fsync, per read among its writes. Instead the read goes to the committer
// in its place among the writes: it is read as the batch leaves the store
// at that place (the writes taken before it, none after), and answered
// once they are durable, since a read must not show what may yet be lost.
// Features never change once stored, so what it read stays valid until
// its answer is encoded.

// GetInOrder reads feature id of collection name as the writes handed to
// the committer before it leave them, none after, and calls then with it
// (ErrNoCollection, ErrNoFeature) once those writes are durable and
// applied. If they cannot be made, the read is of the store as it is (the
// writes changed nothing). then runs on the committer: it must be quick
// and must not call the store. When the committer cannot take the read
// (its queue is full: ErrBusy; the store is read-only or closing) it
// returns why and never calls then; writes queued ahead of the read may
// still be made, so the caller must not answer it from the store as it is.
func (s *Store) GetInOrder(name, id string, then func(f *Feature, err error)) error {
	var f *Feature
	var ferr error
	return s.submit(func(b *batch) error {
		f, ferr = nil, nil
		c := b.collection(name)
		switch {
		case c == nil:
			ferr = ErrNoCollection
		default:
			var ok bool
			if f, ok = b.get(c, id); !ok {
				f, ferr = nil, ErrNoFeature
			}
		}
		return nil // staged: answered with the batch, once it is durable
	}, func(err error) {
		if err != nil { // the batch was not made: nothing ahead of the read changed
			f, ferr = s.Get(name, id)
		}
		then(f, ferr)
	})
}

// Get reads feature id of collection name as the store is (ErrNoCollection,
// ErrNoFeature).
func (s *Store) Get(name, id string) (*Feature, error) {
	c := s.Collection(name)
	if c == nil {
		return nil, ErrNoCollection
	}
	f, ok := c.Get(id)
	if !ok {
		return nil, ErrNoFeature
	}
	return f, nil
}
