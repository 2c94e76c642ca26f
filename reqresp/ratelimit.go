package reqresp

import (
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// RateLimited is the response code of a request refused by the rate limit. The spec reserves codes above 128 for
// such answers; 139 is the one Lighthouse and others use.
const RateLimited ResponseCode = 139

// Quota is a token bucket: Capacity units per Period, refilled continuously. A request costs one unit, or for the
// list methods one per item asked for (blocks, sidecars), so a peer cannot pull more than Capacity items per Period.
type Quota struct {
	Capacity uint64
	Period   time.Duration
}

// DefaultQuotas are generous for an honest peer syncing from us and tight enough that a flood stands out.
func DefaultQuotas() [numMethods]Quota {
	var q [numMethods]Quota
	q[Status] = Quota{Capacity: 5, Period: 15 * time.Second}
	q[Goodbye] = Quota{Capacity: 1, Period: 10 * time.Second}
	q[Ping] = Quota{Capacity: 2, Period: 10 * time.Second}
	q[MetaData] = Quota{Capacity: 2, Period: 5 * time.Second}
	q[BeaconBlocksByRange] = Quota{Capacity: 1024, Period: 10 * time.Second}
	q[BeaconBlocksByRoot] = Quota{Capacity: 128, Period: 10 * time.Second}
	q[DataColumnSidecarsByRange] = Quota{Capacity: 16384, Period: 10 * time.Second}
	q[DataColumnSidecarsByRoot] = Quota{Capacity: 16384, Period: 10 * time.Second}
	return q
}

// RateLimiter keeps one token bucket and one count of open streams per peer and method. It is safe for concurrent
// use: the server's handlers run on libp2p's goroutines.
type RateLimiter struct {
	quotas [numMethods]Quota
	now    func() time.Time

	mu      sync.Mutex
	buckets map[bucketKey]*bucket
}

type bucketKey struct {
	peer   peer.ID
	method Method
}

type bucket struct {
	tokens float64
	last   time.Time
	open   int // streams being served
}

// NewRateLimiter returns a limiter with the given quotas; now is the clock (time.Now outside tests).
func NewRateLimiter(quotas [numMethods]Quota, now func() time.Time) *RateLimiter {
	return &RateLimiter{quotas: quotas, now: now, buckets: map[bucketKey]*bucket{}}
}

// Acquire takes cost units from the peer's bucket for the method and counts one more open stream. It returns false,
// taking nothing, when the bucket lacks the units or the peer already has MaxConcurrentRequests streams open for
// the method. A granted acquisition must be followed by Release once the stream is served.
func (l *RateLimiter) Acquire(p peer.ID, m Method, cost uint64) bool {
	q := l.quotas[m]
	if q.Capacity == 0 || q.Period <= 0 {
		return true
	}
	cost = max(cost, 1)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	k := bucketKey{p, m}
	b := l.buckets[k]
	if b == nil {
		b = &bucket{tokens: float64(q.Capacity), last: now}
		l.buckets[k] = b
	}
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(float64(q.Capacity), b.tokens+float64(q.Capacity)*elapsed.Seconds()/q.Period.Seconds())
		b.last = now
	}
	if b.open >= MaxConcurrentRequests || b.tokens < float64(min(cost, q.Capacity)) {
		return false
	}
	b.tokens -= float64(min(cost, q.Capacity))
	b.open++
	return true
}

// Release ends a stream counted by a granted Acquire.
func (l *RateLimiter) Release(p peer.ID, m Method) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.buckets[bucketKey{p, m}]; b != nil && b.open > 0 {
		b.open--
	}
}

// Forget drops a disconnected peer's buckets. A peer that reconnects starts with full buckets, which is no gain
// for a flooder: reconnecting costs it a handshake and our connection gater remembers bans.
func (l *RateLimiter) Forget(p peer.ID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range Methods() {
		if b := l.buckets[bucketKey{p, m}]; b != nil && b.open == 0 {
			delete(l.buckets, bucketKey{p, m})
		}
	}
}
