package statecache

import "unsafe"

// pagedVec is a vector of T kept in fixed-size pages that copies of a cache share until one of them writes to a
// page: the copy-on-write storage under every cached layer and shadow.
//
// A page is written in place only by the vector that owns it (its bit in owned is set): pages it allocated or
// cloned since it was last shared. share hands the same pages to a new vector and clears the ownership of both, so
// a later write by either clones the page first and the other keeps seeing the old contents. Copying a vector thus
// costs its page table, not its contents, and two copies that diverge pay only for the pages they change.
//
// Elements at index len() and beyond are unspecified: a vector that shrinks keeps its last page as it is, so a
// caller that grows it again must write every new element before reading it.
type pagedVec[T any] struct {
	shift uint8 // a page holds 1<<shift elements
	n     int
	pages [][]T
	owned []uint64 // bit p: pages[p] belongs to this vector alone
}

func newPagedVec[T any](shift uint8) pagedVec[T] {
	return pagedVec[T]{shift: shift}
}

func (v *pagedVec[T]) len() int { return v.n }

func (v *pagedVec[T]) pageLen() int { return 1 << v.shift }

// at returns a pointer to element i for reading only: the page may be shared with other vectors.
func (v *pagedVec[T]) at(i int) *T {
	return &v.pages[i>>v.shift][i&(1<<v.shift-1)]
}

// mut returns a pointer to element i that may be written, cloning its page first if it is shared.
func (v *pagedVec[T]) mut(i int) *T {
	return &v.writablePage(i >> v.shift)[i&(1<<v.shift-1)]
}

// page returns page p for reading only.
func (v *pagedVec[T]) page(p int) []T { return v.pages[p] }

// writablePage returns page p, cloning it first if it is shared.
func (v *pagedVec[T]) writablePage(p int) []T {
	word, bit := p/64, uint64(1)<<(p%64)
	if v.owned[word]&bit == 0 {
		clone := make([]T, len(v.pages[p]))
		copy(clone, v.pages[p])
		v.pages[p] = clone
		v.owned[word] |= bit
	}
	return v.pages[p]
}

// resize sets the length to n, adding zeroed pages or dropping whole pages beyond the new end.
func (v *pagedVec[T]) resize(n int) {
	pages := (n + v.pageLen() - 1) >> v.shift
	switch {
	case pages > len(v.pages):
		v.owned = growBits(v.owned, pages)
		for p := len(v.pages); p < pages; p++ {
			v.pages = append(v.pages, make([]T, v.pageLen()))
			v.owned[p/64] |= 1 << (p % 64)
		}
	case pages < len(v.pages):
		clear(v.pages[pages:]) // let the collector have the dropped pages
		v.pages = v.pages[:pages]
		v.owned = v.owned[:(pages+63)/64]
		if pages%64 != 0 {
			v.owned[len(v.owned)-1] &= 1<<(pages%64) - 1
		}
	}
	v.n = n
}

// share returns a vector with the same contents that shares every page with v; from then on neither writes a page
// in place until it has cloned it.
func (v *pagedVec[T]) share() pagedVec[T] {
	clear(v.owned)
	return pagedVec[T]{
		shift: v.shift,
		n:     v.n,
		pages: append([][]T(nil), v.pages...),
		owned: make([]uint64, len(v.owned)),
	}
}

// bytes returns the memory held by the vector's pages and page table, counting shared pages in full.
func (v *pagedVec[T]) bytes() uint64 {
	var zero T
	return uint64(len(v.pages))*(uint64(v.pageLen())*uint64(unsafe.Sizeof(zero))+uint64(unsafe.Sizeof(v.pages[0:0]))) +
		uint64(len(v.owned))*8
}

// growBits extends a bitset to hold n bits, keeping its bits.
func growBits(bits []uint64, n int) []uint64 {
	words := (n + 63) / 64
	for len(bits) < words {
		bits = append(bits, 0)
	}
	return bits
}
