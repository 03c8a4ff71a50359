package errlog

import "sync/atomic"

// ring is a bounded multi-producer, single-consumer queue of entries
// (Dmitry Vyukov's bounded MPMC queue, consumed by one goroutine). Producers
// never block and never allocate: a full ring refuses the entry. Each slot's
// sequence number says whose turn it is, and its atomic store publishes the
// entry copied into the slot.
type ring struct {
	mask  uint64
	slots []slot
	head  atomic.Uint64 // next position to enqueue
	tail  uint64        // next position to dequeue: the consumer's alone
}

type slot struct {
	seq atomic.Uint64
	e   Entry
}

func newRing(size int) *ring {
	n := 1
	for n < size {
		n <<= 1
	}
	r := &ring{mask: uint64(n - 1), slots: make([]slot, n)}
	for i := range r.slots {
		r.slots[i].seq.Store(uint64(i))
	}
	return r
}

// put copies *e into the ring, or reports false when it is full.
func (r *ring) put(e *Entry) bool {
	pos := r.head.Load()
	for {
		s := &r.slots[pos&r.mask]
		switch seq := s.seq.Load(); {
		case seq == pos:
			if r.head.CompareAndSwap(pos, pos+1) {
				s.e = *e
				s.seq.Store(pos + 1)
				return true
			}
			pos = r.head.Load()
		case seq < pos:
			return false // the consumer has not freed this slot: full
		default:
			pos = r.head.Load() // another producer took pos
		}
	}
}

// get moves the oldest entry into *e, or reports false when the ring is empty.
func (r *ring) get(e *Entry) bool {
	s := &r.slots[r.tail&r.mask]
	if s.seq.Load() != r.tail+1 {
		return false
	}
	*e = s.e
	s.e = Entry{} // drop references for the GC
	s.seq.Store(r.tail + r.mask + 1)
	r.tail++
	return true
}
