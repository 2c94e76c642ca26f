package sszkit

import "sync"

// buffer is pooled scratch space for packing a vector before it is hashed, so that hashing a state's vectors does
// not allocate on every call.
type buffer struct{ b []byte }

var bufferPool = sync.Pool{New: func() any { return new(buffer) }}

// getBuffer returns a zeroed buffer of n bytes; hand it back with putBuffer.
func getBuffer(n int) *buffer {
	buf := bufferPool.Get().(*buffer)
	if cap(buf.b) < n {
		buf.b = make([]byte, n)
	} else {
		buf.b = buf.b[:n]
		clear(buf.b)
	}
	return buf
}

func putBuffer(buf *buffer) {
	// Keep huge one-off buffers from pinning memory.
	if cap(buf.b) > 1<<20 {
		buf.b = nil
	}
	bufferPool.Put(buf)
}
