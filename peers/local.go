package peers

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/types"
)

// localView is the node's own status and metadata as the req/resp server's goroutines read them: the actor
// refreshes it every tick, readers load it atomically.
type localView struct {
	spec    *params.Spec
	gvr     primitives.Root
	genesis time.Time
	reader  *store.Reader
	status  atomic.Pointer[types.Status]
	md      atomic.Pointer[types.MetaData]
}

func newLocalView(spec *params.Spec, gvr primitives.Root, genesis time.Time, reader *store.Reader, md types.MetaData) *localView {
	v := &localView{spec: spec, gvr: gvr, genesis: genesis, reader: reader}
	v.md.Store(&md)
	v.status.Store(&types.Status{})
	return v
}

// epochAt is the wall-clock epoch at t; before genesis it is the genesis epoch.
func (v *localView) epochAt(t time.Time) primitives.Epoch { return epochAt(v.spec, v.genesis, t) }

// epochAt is the wall-clock epoch at t of a chain that began at genesis; before genesis it is the genesis epoch.
func epochAt(spec *params.Spec, genesis, t time.Time) primitives.Epoch {
	if t.Before(genesis) || spec.SlotDuration <= 0 || spec.SlotsPerEpoch == 0 {
		return 0
	}
	slot := uint64(t.Sub(genesis) / spec.SlotDuration)
	return primitives.Epoch(slot / spec.SlotsPerEpoch)
}

// setMetaData publishes new metadata: its attnets or syncnets changed, so its sequence number goes up by one.
func (v *localView) setMetaData(attnets [types.AttnetsBytes]byte, syncnets [types.SyncnetsBytes]byte) bool {
	md := *v.md.Load()
	if md.Attnets == attnets && md.Syncnets == syncnets {
		return false
	}
	md.SeqNumber++
	md.Attnets, md.Syncnets = attnets, syncnets
	v.md.Store(&md)
	return true
}

func (v *localView) digestAt(t time.Time) primitives.ForkDigest {
	return v.spec.ComputeForkDigest(v.gvr, v.epochAt(t))
}

func (v *localView) digestAtSlot(slot primitives.Slot) primitives.ForkDigest {
	return v.spec.ComputeForkDigest(v.gvr, primitives.Epoch(uint64(slot)/v.spec.SlotsPerEpoch))
}

// ForkDigestAtSlot implements reqresp.Local.
func (v *localView) ForkDigestAtSlot(slot primitives.Slot) primitives.ForkDigest {
	return v.digestAtSlot(slot)
}

// Status implements reqresp.Local.
func (v *localView) Status() types.Status { return *v.status.Load() }

// MetaData implements reqresp.Local.
func (v *localView) MetaData() types.MetaData { return *v.md.Load() }

// refresh recomputes the status from the store: head, finalized checkpoint, the earliest block we hold, and the
// fork digest of the wall-clock epoch. Without a store (or before its anchor) the chain part is zero: genesis.
func (v *localView) refresh(now time.Time) {
	s := types.Status{ForkDigest: v.digestAt(now)}
	if v.reader != nil {
		if h, err := v.reader.Head(); err == nil {
			s.HeadRoot, s.HeadSlot = h.Root, h.Slot
		}
		if f, err := v.reader.Finalized(); err == nil {
			s.FinalizedEpoch = f.Epoch
			if f.Epoch > 0 {
				s.FinalizedRoot = f.Root // the genesis checkpoint's root is announced as zero
			}
		}
		if o, err := v.reader.Origin(); err == nil {
			s.EarliestAvailableSlot = o.BlockSlot
		}
	}
	v.status.Store(&s)
}

// appScores are the application scores gossipsub adds to its own; it reads them on its goroutines.
type appScores struct{ m sync.Map }

func (a *appScores) get(p peer.ID) float64 {
	if v, ok := a.m.Load(p); ok {
		return v.(float64)
	}
	return 0
}

func (a *appScores) set(p peer.ID, s float64) { a.m.Store(p, s) }

// tcpPort is the TCP port the host listens on (the configured one, or the one the OS chose for port 0).
func tcpPort(h host.Host) uint16 {
	for _, addr := range h.Addrs() {
		if port, err := addr.ValueForProtocol(ma.P_TCP); err == nil {
			var p uint16
			for _, c := range port {
				p = p*10 + uint16(c-'0')
			}
			return p
		}
	}
	return 0
}

// advertiseIP is the IP put in the ENR: the TCP listen IP when specific, else loopback's.
func advertiseIP(cfg Config) netip.Addr {
	if a := cfg.ListenTCP.Addr(); a.IsValid() && !a.IsUnspecified() {
		return a
	}
	return netip.AddrFrom4([4]byte{127, 0, 0, 1})
}
