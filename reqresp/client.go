package reqresp

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// StreamOpener opens streams to peers; a libp2p host.Host is one.
type StreamOpener interface {
	NewStream(ctx context.Context, p peer.ID, pids ...protocol.ID) (network.Stream, error)
}

// Client makes requests. It is safe for concurrent use.
type Client struct {
	opener StreamOpener
	limits Limits
	// digests maps the context bytes of a chunk to the fork it names; known says whether a digest is one this node
	// can decode (Fulu's, at any blob-parameter epoch).
	digestOf func(slot primitives.Slot) primitives.ForkDigest
}

// NewClient returns a client; digestOf gives the fork digest expected for an object at a slot.
func NewClient(opener StreamOpener, limits Limits, digestOf func(primitives.Slot) primitives.ForkDigest) *Client {
	return &Client{opener: opener, limits: limits, digestOf: digestOf}
}

// Block is a block received in a response: its SSZ, slot and root.
type Block struct {
	Slot primitives.Slot
	Root primitives.Root // hash_tree_root of the message
	SSZ  []byte
}

// exchange opens a stream, writes the request (if any), half-closes, and reads up to maxChunks chunks with the
// spec's timeouts, calling onChunk for each. A non-success chunk ends the response with a *ResponseError.
func (c *Client) exchange(ctx context.Context, p peer.ID, m Method, req []byte, maxChunks uint64,
	onChunk func(Chunk) error) (err error) {
	ctx, cancel := context.WithTimeout(ctx, TTFBTimeout+RespTimeout*time.Duration(max(maxChunks, 1)))
	defer cancel()
	st, err := c.opener.NewStream(ctx, p, m.ProtocolID())
	if err != nil {
		return fmt.Errorf("%s: open stream: %w", m, err)
	}
	stop := context.AfterFunc(ctx, func() { _ = st.Reset() })
	defer func() {
		stop()
		if err != nil {
			_ = st.Reset()
		} else {
			_ = st.Close()
		}
	}()
	_ = st.SetWriteDeadline(time.Now().Add(TTFBTimeout))
	if m.HasRequest() {
		if err := WritePayload(st, req); err != nil {
			return fmt.Errorf("%s: %w", m, classify(err))
		}
	}
	if err := st.CloseWrite(); err != nil {
		return fmt.Errorf("%s: close write: %w", m, classify(err))
	}
	r := bufio.NewReader(st)
	_ = st.SetReadDeadline(time.Now().Add(TTFBTimeout))
	var n uint64
	for {
		chunk, err := ReadChunk(r, m.HasContext(), c.limits.Response(m))
		if errors.Is(err, io.EOF) {
			if m.SingleChunk() && n == 0 && m != Goodbye {
				return fmt.Errorf("%s: %w", m, ErrNoResponse)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: chunk %d: %w", m, n, classify(err))
		}
		if n++; n > maxChunks {
			return fmt.Errorf("%s: %w: more than %d", m, ErrTooManyChunks, maxChunks)
		}
		if err := onChunk(chunk); err != nil {
			return fmt.Errorf("%s: chunk %d: %w", m, n-1, err)
		}
		if m.SingleChunk() {
			return nil
		}
		_ = st.SetReadDeadline(time.Now().Add(RespTimeout))
	}
}

// classify maps a stream deadline to ErrTimeout and keeps everything else.
func classify(err error) error {
	var ne net.Error
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout()) {
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return err
}

func single[T any, PT interface {
	*T
	types.Object
}](ctx context.Context, c *Client, p peer.ID, m Method, req []byte) (*T, error) {
	out := PT(new(T))
	err := c.exchange(ctx, p, m, req, 1, func(ch Chunk) error {
		if err := types.Unmarshal(ch.Payload, out); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidSSZ, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return (*T)(out), nil
}

// Status exchanges status messages with a peer.
func (c *Client) Status(ctx context.Context, p peer.ID, ours types.Status) (types.Status, error) {
	req, err := types.Marshal(&ours)
	if err != nil {
		return types.Status{}, fmt.Errorf("status: %w", err)
	}
	theirs, err := single[types.Status](ctx, c, p, Status, req)
	if err != nil {
		return types.Status{}, err
	}
	return *theirs, nil
}

// MetaData asks a peer for its metadata.
func (c *Client) MetaData(ctx context.Context, p peer.ID) (types.MetaData, error) {
	md, err := single[types.MetaData](ctx, c, p, MetaData, nil)
	if err != nil {
		return types.MetaData{}, err
	}
	return *md, nil
}

// Ping sends our metadata sequence number and returns the peer's.
func (c *Client) Ping(ctx context.Context, p peer.ID, seq uint64) (uint64, error) {
	var theirs uint64
	err := c.exchange(ctx, p, Ping, binary.LittleEndian.AppendUint64(nil, seq), 1, func(ch Chunk) error {
		theirs = binary.LittleEndian.Uint64(ch.Payload)
		return nil
	})
	return theirs, err
}

// Goodbye tells a peer why we disconnect. Peers close the stream without answering; an answer is read if one comes.
func (c *Client) Goodbye(ctx context.Context, p peer.ID, reason uint64) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	err := c.exchange(ctx, p, Goodbye, binary.LittleEndian.AppendUint64(nil, reason), 1, func(Chunk) error { return nil })
	if errors.Is(err, ErrTimeout) {
		return nil // the peer hung up on us, as it may
	}
	return err
}

// BlocksByRange requests the blocks of [start, start+count) and checks the response: each chunk's context bytes
// are the digest of its slot's epoch, it decodes, its slot is in the range and above the previous one's, and,
// since the blocks come from one chain, it names the previous block as its parent.
func (c *Client) BlocksByRange(ctx context.Context, p peer.ID, start primitives.Slot, count uint64) ([]Block, error) {
	count = min(count, types.MaxRequestBlocksDeneb)
	req, err := types.Marshal(&types.BeaconBlocksByRangeRequest{StartSlot: start, Count: count, Step: 1})
	if err != nil {
		return nil, fmt.Errorf("beacon_blocks_by_range: %w", err)
	}
	var blocks []Block
	var prevParent bool
	err = c.exchange(ctx, p, BeaconBlocksByRange, req, count, func(ch Chunk) error {
		b, parent, err := c.decodeBlock(ch)
		if err != nil {
			return err
		}
		if b.Slot < start || uint64(b.Slot-start) >= count {
			return fmt.Errorf("%w: block at slot %d outside [%d, %d)", ErrInvalidResponse, b.Slot, start, uint64(start)+count)
		}
		if n := len(blocks); n > 0 {
			last := blocks[n-1]
			if b.Slot <= last.Slot {
				return fmt.Errorf("%w: slot %d after slot %d", ErrInvalidResponse, b.Slot, last.Slot)
			}
			if prevParent && parent != last.Root {
				return fmt.Errorf("%w: block at slot %d does not descend from the block at slot %d", ErrInvalidResponse, b.Slot, last.Slot)
			}
		}
		prevParent = true
		blocks = append(blocks, b)
		return nil
	})
	return blocks, err
}

// BlocksByRoot requests blocks by root and checks that each one was asked for, once.
func (c *Client) BlocksByRoot(ctx context.Context, p peer.ID, roots []primitives.Root) ([]Block, error) {
	req, err := types.BeaconBlocksByRootRequest(roots).MarshalSSZ()
	if err != nil {
		return nil, fmt.Errorf("beacon_blocks_by_root: %w", err)
	}
	wanted := make(map[primitives.Root]bool, len(roots))
	for _, r := range roots {
		wanted[r] = true
	}
	var blocks []Block
	err = c.exchange(ctx, p, BeaconBlocksByRoot, req, uint64(len(roots)), func(ch Chunk) error {
		b, _, err := c.decodeBlock(ch)
		if err != nil {
			return err
		}
		if !wanted[b.Root] {
			return fmt.Errorf("%w: block %#x was not requested (or came twice)", ErrInvalidResponse, b.Root)
		}
		wanted[b.Root] = false
		blocks = append(blocks, b)
		return nil
	})
	return blocks, err
}

func (c *Client) decodeBlock(ch Chunk) (Block, primitives.Root, error) {
	var sb types.SignedBeaconBlock
	if err := types.Unmarshal(ch.Payload, &sb); err != nil {
		return Block{}, primitives.Root{}, fmt.Errorf("%w: %w", ErrInvalidSSZ, err)
	}
	if want := c.digestOf(sb.Message.Slot); ch.Context != want {
		return Block{}, primitives.Root{}, fmt.Errorf("%w: %#x for a block at slot %d, want %#x", ErrUnknownContext, ch.Context, sb.Message.Slot, want)
	}
	return Block{Slot: sb.Message.Slot, Root: types.HashTreeRoot(sb.Message), SSZ: ch.Payload}, sb.Message.ParentRoot, nil
}

// Sidecar is a data column sidecar received in a response.
type Sidecar struct {
	Slot      primitives.Slot
	Index     primitives.ColumnIndex
	BlockRoot primitives.Root
	SSZ       []byte
}

// DataColumnSidecarsByRange requests the sidecars of columns in [start, start+count) and checks each chunk's
// context, decoding, range and order.
func (c *Client) DataColumnSidecarsByRange(ctx context.Context, p peer.ID, start primitives.Slot, count uint64,
	columns []primitives.ColumnIndex) ([]Sidecar, error) {
	count = min(count, types.MaxRequestBlocksDeneb)
	req, err := types.Marshal(&types.DataColumnSidecarsByRangeRequest{StartSlot: start, Count: count, Columns: columns})
	if err != nil {
		return nil, fmt.Errorf("data_column_sidecars_by_range: %w", err)
	}
	wanted := map[primitives.ColumnIndex]bool{}
	for _, col := range columns {
		wanted[col] = true
	}
	var out []Sidecar
	err = c.exchange(ctx, p, DataColumnSidecarsByRange, req, count*uint64(len(columns)), func(ch Chunk) error {
		sc, err := c.decodeSidecar(ch)
		if err != nil {
			return err
		}
		if sc.Slot < start || uint64(sc.Slot-start) >= count || !wanted[sc.Index] {
			return fmt.Errorf("%w: sidecar %d at slot %d was not requested", ErrInvalidResponse, sc.Index, sc.Slot)
		}
		if n := len(out); n > 0 && (sc.Slot < out[n-1].Slot || (sc.Slot == out[n-1].Slot && sc.Index <= out[n-1].Index)) {
			return fmt.Errorf("%w: sidecars out of (slot, column) order", ErrInvalidResponse)
		}
		out = append(out, sc)
		return nil
	})
	return out, err
}

// DataColumnSidecarsByRoot requests sidecars by block root and column and checks each was asked for.
func (c *Client) DataColumnSidecarsByRoot(ctx context.Context, p peer.ID, ids []*types.DataColumnsByRootIdentifier) ([]Sidecar, error) {
	req, err := types.DataColumnSidecarsByRootRequest(ids).MarshalSSZ()
	if err != nil {
		return nil, fmt.Errorf("data_column_sidecars_by_root: %w", err)
	}
	type key struct {
		root primitives.Root
		col  primitives.ColumnIndex
	}
	wanted := map[key]bool{}
	for _, id := range ids {
		for _, col := range id.Columns {
			wanted[key{id.BlockRoot, col}] = true
		}
	}
	var out []Sidecar
	err = c.exchange(ctx, p, DataColumnSidecarsByRoot, req, uint64(len(wanted)), func(ch Chunk) error {
		sc, err := c.decodeSidecar(ch)
		if err != nil {
			return err
		}
		k := key{sc.BlockRoot, sc.Index}
		if !wanted[k] {
			return fmt.Errorf("%w: sidecar %d of block %#x was not requested", ErrInvalidResponse, sc.Index, sc.BlockRoot)
		}
		wanted[k] = false
		out = append(out, sc)
		return nil
	})
	return out, err
}

func (c *Client) decodeSidecar(ch Chunk) (Sidecar, error) {
	var sc types.DataColumnSidecar
	if err := types.Unmarshal(ch.Payload, &sc); err != nil {
		return Sidecar{}, fmt.Errorf("%w: %w", ErrInvalidSSZ, err)
	}
	hdr := sc.SignedBlockHeader.Message
	if want := c.digestOf(hdr.Slot); ch.Context != want {
		return Sidecar{}, fmt.Errorf("%w: %#x for a sidecar at slot %d, want %#x", ErrUnknownContext, ch.Context, hdr.Slot, want)
	}
	return Sidecar{Slot: hdr.Slot, Index: sc.Index, BlockRoot: types.HashTreeRoot(hdr), SSZ: ch.Payload}, nil
}
