// Package aof is the append-only file's format and I/O: framed records, a
// scanner that tells a torn tail from corruption in the middle, and a file
// that appends batches of records with one write and one fsync, retrying
// what is transient and cutting back what a failed write left.
//
// The file starts with the 8-byte header "D1AOF\x00\x00\x01". Each record:
//
//	u32 marker 0xD1A0F5E7 | u32 length | u32 CRC-32C | u8 op | payload
//
// all big-endian; length counts op and payload, the CRC (Castagnoli) covers
// length, op and payload. The marker is not needed to read a sound file: it
// lets the scanner look past a damaged record for the next sound one, which
// is how a bad record in the middle (refuse to start) is told from a torn
// tail (cut it off).
package aof
