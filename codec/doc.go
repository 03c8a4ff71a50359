// Package codec holds daemon1's append-style encoders: functions that append
// an encoding to a buffer the caller owns and allocate nothing themselves.
// Nothing here does I/O.
package codec
