package reqresp

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/types"
)

// BlockSource is what the server reads blocks from; *store.Reader is one. It reads the database directly, never
// through the store actor's mailbox.
type BlockSource interface {
	Block(root primitives.Root) ([]byte, error)
	CanonicalBlocks(start primitives.Slot, count, limit uint64) ([]store.StoredBlock, error)
}

// ColumnSource is what the server reads data column sidecars from. The store does not keep sidecars yet; NoColumns
// answers that it has none.
type ColumnSource interface {
	// ColumnsByRoot returns the SSZ of the sidecars of the block it has, among columns, in column order.
	ColumnsByRoot(root primitives.Root, columns []primitives.ColumnIndex) ([][]byte, error)
	// ColumnsByRange returns the SSZ of the canonical sidecars in [start, start+count) among columns, in
	// (slot, column) order, at most limit of them.
	ColumnsByRange(start primitives.Slot, count uint64, columns []primitives.ColumnIndex, limit uint64) ([][]byte, error)
}

// NoColumns is a ColumnSource without sidecars.
type NoColumns struct{}

func (NoColumns) ColumnsByRoot(primitives.Root, []primitives.ColumnIndex) ([][]byte, error) {
	return nil, nil
}

func (NoColumns) ColumnsByRange(primitives.Slot, uint64, []primitives.ColumnIndex, uint64) ([][]byte, error) {
	return nil, nil
}

// Local is the node's own view that status, ping and metadata answer with. Its methods are called on libp2p's
// goroutines and must be safe for concurrent use.
type Local interface {
	Status() types.Status
	MetaData() types.MetaData
	// ForkDigestAtSlot is the fork digest of the epoch of slot: the context bytes of a chunk for that slot.
	ForkDigestAtSlot(slot primitives.Slot) primitives.ForkDigest
}

// Outcome is what came of a request a peer made to us, for its score.
type Outcome uint8

const (
	Served        Outcome = iota // answered
	BadRequest                   // malformed or semantically invalid: answered InvalidRequest
	RateLimitHit                 // refused by the rate limit
	ServerFailure                // our fault: answered ServerError
	StreamFailure                // the stream failed while we answered
	Unavailable                  // answered ResourceUnavailable
)

// Observer hears of every request a peer made and of the messages that change what we know of the peer. It is
// called on libp2p's goroutines; the peers actor turns calls into messages to itself.
type Observer interface {
	RequestServed(p peer.ID, m Method, outcome Outcome, err error)
	StatusReceived(p peer.ID, status types.Status)
	GoodbyeReceived(p peer.ID, reason uint64)
	PingReceived(p peer.ID, seq uint64)
}

// Server answers the req/resp methods.
type Server struct {
	limits  Limits
	blocks  BlockSource
	columns ColumnSource
	local   Local
	limiter *RateLimiter
	obs     Observer
	logger  *slog.Logger
}

// NewServer returns a server; register Server.Handler(m) for every method's ProtocolID on the host.
func NewServer(limits Limits, blocks BlockSource, columns ColumnSource, local Local, limiter *RateLimiter,
	obs Observer, logger *slog.Logger) *Server {
	if columns == nil {
		columns = NoColumns{}
	}
	return &Server{limits: limits, blocks: blocks, columns: columns, local: local, limiter: limiter, obs: obs, logger: logger}
}

// requestError is a failure to answer with a given code.
type requestError struct {
	code    ResponseCode
	outcome Outcome
	err     error
}

func (e *requestError) Error() string { return e.err.Error() }
func (e *requestError) Unwrap() error { return e.err }

func invalidRequest(format string, args ...any) *requestError {
	return &requestError{code: InvalidRequest, outcome: BadRequest, err: fmt.Errorf(format, args...)}
}

// Handler returns the stream handler of a method.
func (s *Server) Handler(m Method) network.StreamHandler {
	return func(st network.Stream) { s.serve(m, st) }
}

func (s *Server) serve(m Method, st network.Stream) {
	p := st.Conn().RemotePeer()
	outcome, err := Served, error(nil)
	defer func() {
		if r := recover(); r != nil {
			s.logger.Error("Req/resp handler panicked", "method", m.String(), "peer", p.String(),
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			_ = WriteErrorChunk(st, ServerError, "internal error")
			outcome, err = ServerFailure, fmt.Errorf("handler panicked: %v", r)
		}
		if outcome == Served {
			_ = st.Close()
		} else {
			_ = st.CloseWrite()
			_ = st.Close()
		}
		if s.obs != nil {
			s.obs.RequestServed(p, m, outcome, err)
		}
	}()
	_ = st.SetReadDeadline(time.Now().Add(TTFBTimeout))
	r := bufio.NewReader(st)
	var req []byte
	if m.HasRequest() {
		req, err = ReadRequest(r, s.limits.Request(m))
		if err != nil {
			outcome = BadRequest
			_ = st.SetWriteDeadline(time.Now().Add(RespTimeout))
			_ = WriteErrorChunk(st, InvalidRequest, err.Error())
			return
		}
	}
	_ = st.SetWriteDeadline(time.Now().Add(RespTimeout))
	cost := requestCost(m, req)
	if s.limiter != nil {
		if !s.limiter.Acquire(p, m, cost) {
			outcome, err = RateLimitHit, fmt.Errorf("%s: %w", m, ErrRateLimited)
			_ = WriteErrorChunk(st, RateLimited, "rate limited")
			return
		}
		defer s.limiter.Release(p, m)
	}
	if rerr := s.answer(m, p, req, st); rerr != nil {
		var re *requestError
		if errors.As(rerr, &re) {
			outcome, err = re.outcome, re.err
			_ = WriteErrorChunk(st, re.code, re.err.Error())
			return
		}
		outcome, err = StreamFailure, rerr
	}
}

// requestCost is the number of items a request asks for: what it costs in its rate-limit bucket.
func requestCost(m Method, req []byte) uint64 {
	switch m {
	case BeaconBlocksByRange:
		if len(req) >= 16 {
			return min(binary.LittleEndian.Uint64(req[8:16]), types.MaxRequestBlocksDeneb)
		}
	case BeaconBlocksByRoot:
		return uint64(len(req) / 32)
	case DataColumnSidecarsByRange:
		var r types.DataColumnSidecarsByRangeRequest
		if types.Unmarshal(req, &r) == nil {
			return min(r.Count, types.MaxRequestBlocksDeneb) * uint64(len(r.Columns))
		}
	case DataColumnSidecarsByRoot:
		var r types.DataColumnSidecarsByRootRequest
		if r.UnmarshalSSZ(req) == nil {
			var n uint64
			for _, id := range r {
				n += uint64(len(id.Columns))
			}
			return n
		}
	}
	return 1
}

// answer writes the response of one request; a *requestError says which error chunk to send instead.
func (s *Server) answer(m Method, p peer.ID, req []byte, w io.Writer) error {
	switch m {
	case Status:
		var theirs types.Status
		if err := types.Unmarshal(req, &theirs); err != nil {
			return invalidRequest("status: %w", err)
		}
		if s.obs != nil {
			s.obs.StatusReceived(p, theirs)
		}
		ours := s.local.Status()
		return writeObject(w, nil, &ours)
	case Goodbye:
		reason := binary.LittleEndian.Uint64(req)
		if s.obs != nil {
			s.obs.GoodbyeReceived(p, reason)
		}
		return nil // the peer is leaving: nobody reads an answer
	case Ping:
		if s.obs != nil {
			s.obs.PingReceived(p, binary.LittleEndian.Uint64(req))
		}
		md := s.local.MetaData()
		return writeUint64(w, md.SeqNumber)
	case MetaData:
		md := s.local.MetaData()
		return writeObject(w, nil, &md)
	case BeaconBlocksByRange:
		return s.blocksByRange(req, w)
	case BeaconBlocksByRoot:
		return s.blocksByRoot(req, w)
	case DataColumnSidecarsByRange:
		return s.columnsByRange(req, w)
	case DataColumnSidecarsByRoot:
		return s.columnsByRoot(req, w)
	}
	return invalidRequest("unknown method %d", m)
}

func (s *Server) blocksByRange(req []byte, w io.Writer) error {
	var r types.BeaconBlocksByRangeRequest
	if err := types.Unmarshal(req, &r); err != nil {
		return invalidRequest("beacon_blocks_by_range: %w", err)
	}
	if r.Count == 0 {
		return invalidRequest("beacon_blocks_by_range: count 0")
	}
	if r.Step != 1 {
		return invalidRequest("beacon_blocks_by_range: step %d, want 1", r.Step)
	}
	if earliest := s.local.Status().EarliestAvailableSlot; r.StartSlot < earliest {
		return &requestError{code: ResourceUnavailable, outcome: Unavailable,
			err: fmt.Errorf("blocks before slot %d are not available", earliest)}
	}
	blocks, err := s.blocks.CanonicalBlocks(r.StartSlot, r.Count, types.MaxRequestBlocksDeneb)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return &requestError{code: ServerError, outcome: ServerFailure, err: fmt.Errorf("read blocks: %w", err)}
	}
	for _, b := range blocks {
		digest := s.local.ForkDigestAtSlot(b.Slot)
		if err := WriteSuccessChunk(w, digest[:], b.SSZ); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) blocksByRoot(req []byte, w io.Writer) error {
	var r types.BeaconBlocksByRootRequest
	if err := r.UnmarshalSSZ(req); err != nil {
		return invalidRequest("beacon_blocks_by_root: %w", err)
	}
	for _, root := range r {
		ssz, err := s.blocks.Block(root)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return &requestError{code: ServerError, outcome: ServerFailure, err: fmt.Errorf("read block: %w", err)}
		}
		slot, ok := BlockSlot(ssz)
		if !ok {
			return &requestError{code: ServerError, outcome: ServerFailure, err: fmt.Errorf("stored block %#x is malformed", root)}
		}
		digest := s.local.ForkDigestAtSlot(slot)
		if err := WriteSuccessChunk(w, digest[:], ssz); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) columnsByRange(req []byte, w io.Writer) error {
	var r types.DataColumnSidecarsByRangeRequest
	if err := types.Unmarshal(req, &r); err != nil {
		return invalidRequest("data_column_sidecars_by_range: %w", err)
	}
	if r.Count == 0 {
		return invalidRequest("data_column_sidecars_by_range: count 0")
	}
	sidecars, err := s.columns.ColumnsByRange(r.StartSlot, min(r.Count, types.MaxRequestBlocksDeneb), r.Columns,
		types.MaxRequestDataColumnSidecars)
	if err != nil {
		return &requestError{code: ServerError, outcome: ServerFailure, err: fmt.Errorf("read sidecars: %w", err)}
	}
	return s.writeSidecars(sidecars, w)
}

func (s *Server) columnsByRoot(req []byte, w io.Writer) error {
	var r types.DataColumnSidecarsByRootRequest
	if err := r.UnmarshalSSZ(req); err != nil {
		return invalidRequest("data_column_sidecars_by_root: %w", err)
	}
	var sent uint64
	for _, id := range r {
		sidecars, err := s.columns.ColumnsByRoot(id.BlockRoot, id.Columns)
		if err != nil {
			return &requestError{code: ServerError, outcome: ServerFailure, err: fmt.Errorf("read sidecars: %w", err)}
		}
		if sent += uint64(len(sidecars)); sent > types.MaxRequestDataColumnSidecars {
			return nil
		}
		if err := s.writeSidecars(sidecars, w); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) writeSidecars(sidecars [][]byte, w io.Writer) error {
	for _, sc := range sidecars {
		slot, ok := SidecarSlot(sc)
		if !ok {
			return &requestError{code: ServerError, outcome: ServerFailure, err: errors.New("stored sidecar is malformed")}
		}
		digest := s.local.ForkDigestAtSlot(slot)
		if err := WriteSuccessChunk(w, digest[:], sc); err != nil {
			return err
		}
	}
	return nil
}

func writeObject(w io.Writer, context []byte, obj types.Object) error {
	ssz, err := types.Marshal(obj)
	if err != nil {
		return &requestError{code: ServerError, outcome: ServerFailure, err: err}
	}
	return WriteSuccessChunk(w, context, ssz)
}

func writeUint64(w io.Writer, v uint64) error {
	return WriteSuccessChunk(w, nil, binary.LittleEndian.AppendUint64(nil, v))
}

// BlockSlot reads the slot of an SSZ SignedBeaconBlock without decoding it: the message's offset, then its first
// field.
func BlockSlot(ssz []byte) (primitives.Slot, bool) {
	if len(ssz) < 4 {
		return 0, false
	}
	off := uint64(binary.LittleEndian.Uint32(ssz[:4]))
	if off+8 > uint64(len(ssz)) {
		return 0, false
	}
	return primitives.Slot(binary.LittleEndian.Uint64(ssz[off : off+8])), true
}

// SidecarSlot reads the slot of an SSZ DataColumnSidecar's block header without decoding it.
func SidecarSlot(ssz []byte) (primitives.Slot, bool) {
	const headerOffset = 8 + 4 + 4 + 4 // index, then three list offsets
	if len(ssz) < headerOffset+8 {
		return 0, false
	}
	return primitives.Slot(binary.LittleEndian.Uint64(ssz[headerOffset : headerOffset+8])), true
}
