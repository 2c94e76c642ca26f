package peers

import (
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/net/connmgr"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
)

// gater is the host's connection gater: it refuses banned peers in both directions and inbound connections
// beyond MaxPeers. The actor updates its ban list; libp2p calls it on its own goroutines.
type gater struct {
	maxPeers int
	host     func() host.Host

	mu     sync.Mutex
	banned map[peer.ID]time.Time
}

func newGater(maxPeers int) *gater {
	return &gater{maxPeers: maxPeers, banned: map[peer.ID]time.Time{}}
}

func (g *gater) ban(p peer.ID, until time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.banned[p] = until
}

func (g *gater) isBanned(p peer.ID) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	until, ok := g.banned[p]
	if ok && time.Now().After(until) {
		delete(g.banned, p)
		return false
	}
	return ok
}

func (g *gater) InterceptPeerDial(p peer.ID) bool                                { return !g.isBanned(p) }
func (g *gater) InterceptAddrDial(peer.ID, ma.Multiaddr) bool                    { return true }
func (g *gater) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) { return true, 0 }

func (g *gater) InterceptAccept(network.ConnMultiaddrs) bool {
	if g.host == nil {
		return true
	}
	h := g.host()
	return h == nil || len(h.Network().Peers()) < g.maxPeers
}

func (g *gater) InterceptSecured(_ network.Direction, p peer.ID, _ network.ConnMultiaddrs) bool {
	return !g.isBanned(p)
}

// hostConfig is what newHost needs.
type hostConfig struct {
	key                   crypto.PrivKey
	listenTCP             netip.AddrPort
	listenQUIC            netip.AddrPort // invalid: QUIC off
	targetPeers, maxPeers int
	gater                 *gater
	userAgent             string
}

// newHost builds the libp2p host: TCP (and QUIC when configured), noise, yamux, identify, the connection gater, a
// connection manager trimming back to the target, and resource-manager limits scaled to the machine.
func newHost(cfg hostConfig) (host.Host, error) {
	listen := []string{fmt.Sprintf("/%s/%s/tcp/%d", ipProto(cfg.listenTCP.Addr()), cfg.listenTCP.Addr(), cfg.listenTCP.Port())}
	opts := []libp2p.Option{
		libp2p.Identity(cfg.key),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.UserAgent(cfg.userAgent),
		libp2p.ConnectionGater(cfg.gater),
		libp2p.DisableRelay(),
		libp2p.Ping(false),
	}
	if cfg.listenQUIC.IsValid() {
		opts = append(opts, libp2p.Transport(quic.NewTransport))
		listen = append(listen, fmt.Sprintf("/%s/%s/udp/%d/quic-v1", ipProto(cfg.listenQUIC.Addr()), cfg.listenQUIC.Addr(), cfg.listenQUIC.Port()))
	}
	opts = append(opts, libp2p.ListenAddrStrings(listen...))
	cm, err := connmgr.NewConnManager(cfg.targetPeers, cfg.maxPeers, connmgr.WithGracePeriod(time.Minute))
	if err != nil {
		return nil, fmt.Errorf("connection manager: %w", err)
	}
	limits := rcmgr.DefaultLimits
	libp2p.SetDefaultServiceLimits(&limits)
	scaled := limits.AutoScale()
	rm, err := rcmgr.NewResourceManager(rcmgr.NewFixedLimiter(scaled))
	if err != nil {
		return nil, fmt.Errorf("resource manager: %w", err)
	}
	opts = append(opts, libp2p.ConnectionManager(cm), libp2p.ResourceManager(rm))
	h, err := libp2p.New(opts...)
	if err != nil {
		_ = rm.Close()
		return nil, fmt.Errorf("libp2p host: %w", err)
	}
	return h, nil
}

func ipProto(a netip.Addr) string {
	if a.Is6() && !a.Is4In6() {
		return "ip6"
	}
	return "ip4"
}
