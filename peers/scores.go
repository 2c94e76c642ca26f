package peers

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"sort"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/salamander-client/salamander/internal/atomicfile"
)

// Behaviour is something a peer did that moves its application score.
type Behaviour uint8

const (
	GoodResponse    Behaviour = iota // answered a request well
	Timeout                          // did not answer in time
	InvalidResponse                  // malformed chunk, wrong context bytes, blocks that do not match the request
	ErrorResponse                    // answered with an error code
	EmptyResponse                    // answered nothing where it claimed to have data
	RateLimitAbuse                   // exceeded our rate limit
	BadRequest                       // sent us a malformed request
	WrongNetwork                     // status of another fork digest
	DialFailure                      // could not be dialed
	numBehaviours
)

var behaviourNames = [numBehaviours]string{"good response", "timeout", "invalid response", "error response",
	"empty response", "rate limit abuse", "bad request", "wrong network", "dial failure"}

func (b Behaviour) String() string {
	if b < numBehaviours {
		return behaviourNames[b]
	}
	return "unknown"
}

// behaviourScore is what each behaviour adds to the application score. A peer that stops misbehaving recovers:
// the score decays towards zero with ScoreHalfLife.
var behaviourScore = [numBehaviours]float64{
	GoodResponse:    0.5,
	Timeout:         -5,
	InvalidResponse: -20,
	ErrorResponse:   -2,
	EmptyResponse:   -3,
	RateLimitAbuse:  -10,
	BadRequest:      -10,
	WrongNetwork:    -100,
	DialFailure:     -1,
}

// Scoring constants.
const (
	MaxAppScore         = 20.0
	MinAppScore         = -200.0
	DisconnectThreshold = -40.0 // below it: goodbye (bad score) and disconnect
	BanThreshold        = -80.0 // below it: goodbye (banned), disconnect and refuse for BanDuration
	BanDuration         = 30 * time.Minute
	ScoreHalfLife       = 10 * time.Minute
	// GossipScoreWeight scales gossipsub's score (thousands for a bad peer, tens for a good one) to ours.
	GossipScoreWeight = 0.01
	forgetAfter       = 24 * time.Hour
)

// Record is what we remember of a peer, across restarts of the peers actor.
type Record struct {
	App         float64   `json:"app"`
	Gossip      float64   `json:"gossip"`
	Updated     time.Time `json:"updated"`
	BannedUntil time.Time `json:"banned_until,omitzero"`
	Addrs       []string  `json:"addrs,omitempty"` // multiaddrs it was last reached at
}

// Scores is the application score book of every peer we met. Not safe for concurrent use: the peers actor owns it.
type Scores struct {
	records map[peer.ID]*Record
}

// NewScores returns an empty book.
func NewScores() *Scores { return &Scores{records: map[peer.ID]*Record{}} }

func (s *Scores) record(p peer.ID, now time.Time) *Record {
	r := s.records[p]
	if r == nil {
		r = &Record{Updated: now}
		s.records[p] = r
	}
	// Decay towards zero since the last update.
	if dt := now.Sub(r.Updated); dt > 0 {
		r.App *= math.Pow(0.5, dt.Seconds()/ScoreHalfLife.Seconds())
		r.Updated = now
	}
	return r
}

// Observe applies a behaviour and returns the peer's new total score.
func (s *Scores) Observe(p peer.ID, b Behaviour, now time.Time) float64 {
	r := s.record(p, now)
	r.App = min(MaxAppScore, max(MinAppScore, r.App+behaviourScore[b]))
	return total(r)
}

// SetGossip records gossipsub's latest score of the peer.
func (s *Scores) SetGossip(p peer.ID, score float64, now time.Time) {
	s.record(p, now).Gossip = score
}

// SetAddrs remembers where a peer was reached.
func (s *Scores) SetAddrs(p peer.ID, addrs []string, now time.Time) {
	s.record(p, now).Addrs = addrs
}

// Score is the peer's total: the application score plus the weighted gossipsub score.
func (s *Scores) Score(p peer.ID, now time.Time) float64 {
	if _, ok := s.records[p]; !ok {
		return 0
	}
	return total(s.record(p, now))
}

func total(r *Record) float64 { return r.App + GossipScoreWeight*r.Gossip }

// Ban refuses the peer until now+BanDuration.
func (s *Scores) Ban(p peer.ID, now time.Time) {
	s.record(p, now).BannedUntil = now.Add(BanDuration)
}

// Banned tells whether the peer is banned at now.
func (s *Scores) Banned(p peer.ID, now time.Time) bool {
	r := s.records[p]
	return r != nil && now.Before(r.BannedUntil)
}

// Known lists the peers with addresses that are not banned, best score first: whom to redial after a restart.
func (s *Scores) Known(now time.Time) []peer.ID {
	var out []peer.ID
	for p, r := range s.records {
		if len(r.Addrs) > 0 && !now.Before(r.BannedUntil) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return s.Score(out[i], now) > s.Score(out[j], now) })
	return out
}

// Record returns a copy of a peer's record.
func (s *Scores) Record(p peer.ID) (Record, bool) {
	r, ok := s.records[p]
	if !ok {
		return Record{}, false
	}
	c := *r
	c.Addrs = append([]string(nil), r.Addrs...)
	return c, true
}

// scoreFile is the JSON the book is saved as.
type scoreFile struct {
	Version int                `json:"version"`
	Peers   map[string]*Record `json:"peers"`
}

// Save writes the book atomically, leaving out peers untouched for a day and not banned.
func (s *Scores) Save(path string, now time.Time) error {
	f := scoreFile{Version: 1, Peers: map[string]*Record{}}
	for p, r := range s.records {
		if now.Sub(r.Updated) > forgetAfter && !now.Before(r.BannedUntil) {
			continue
		}
		f.Peers[p.String()] = r
	}
	data, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("encode peer scores: %w", err)
	}
	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return fmt.Errorf("save peer scores: %w", err)
	}
	return nil
}

// LoadScores reads a book saved by Save; a missing file is an empty book. Entries with a malformed peer ID are
// skipped.
func LoadScores(path string) (*Scores, error) {
	s := NewScores()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("read peer scores: %w", err)
	}
	var f scoreFile
	if err := json.Unmarshal(data, &f); err != nil {
		return s, fmt.Errorf("decode peer scores %s: %w", path, err)
	}
	for id, r := range f.Peers {
		p, err := peer.Decode(id)
		if err != nil || r == nil {
			continue
		}
		s.records[p] = r
	}
	return s, nil
}

// Candidate is a peer the request manager may send a request to.
type Candidate struct {
	ID       peer.ID
	Score    float64
	InFlight int
	Latency  time.Duration // smoothed response time; zero when unknown
}

// RankCandidates orders peers for a request: best score first (in steps of 5, so that small differences do not
// override load), then fewest requests in flight, then lowest latency (unknown counts as slow).
func RankCandidates(cs []Candidate) {
	bucket := func(s float64) int { return int(math.Floor(s / 5)) }
	lat := func(d time.Duration) time.Duration {
		if d == 0 {
			return time.Hour
		}
		return d
	}
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if bucket(a.Score) != bucket(b.Score) {
			return bucket(a.Score) > bucket(b.Score)
		}
		if a.InFlight != b.InFlight {
			return a.InFlight < b.InFlight
		}
		return lat(a.Latency) < lat(b.Latency)
	})
}
