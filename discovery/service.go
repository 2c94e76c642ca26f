package discovery

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/ethereum/go-ethereum/log"
	"github.com/ethereum/go-ethereum/p2p/discover"
	"github.com/ethereum/go-ethereum/p2p/enode"
	"github.com/ethereum/go-ethereum/p2p/enr"
	"github.com/libp2p/go-libp2p/core/crypto"
)

// Config configures the discv5 service.
type Config struct {
	Key       crypto.PrivKey // the node's secp256k1 key, shared with libp2p
	ListenUDP netip.AddrPort // discv5's socket
	// AdvertiseIP is the IP put in the ENR; when unset, the listen IP if it is specific, else 127.0.0.1.
	AdvertiseIP netip.Addr
	TCPPort     uint16 // libp2p's TCP port, put in the ENR
	QUICPort    uint16 // libp2p's QUIC port, 0 when QUIC is off
	Bootnodes   []*enode.Node
	Fields      Fields
	Logger      *slog.Logger
}

// Service is a running discv5 node.
type Service struct {
	udp *discover.UDPv5
	ln  *enode.LocalNode
	db  *enode.DB
}

// Start opens the UDP socket and starts discv5.
func Start(cfg Config) (*Service, error) {
	key, err := ECDSAKey(cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("start discv5: %w", err)
	}
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(cfg.ListenUDP))
	if err != nil {
		return nil, fmt.Errorf("start discv5: listen on %s: %w", cfg.ListenUDP, err)
	}
	db, err := enode.OpenDB("") // in memory: the peers actor keeps what is worth keeping
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("start discv5: node database: %w", err)
	}
	ln := enode.NewLocalNode(db, key)
	ip := cfg.AdvertiseIP
	if !ip.IsValid() {
		ip = cfg.ListenUDP.Addr()
		if ip.IsUnspecified() {
			ip = netip.AddrFrom4([4]byte{127, 0, 0, 1})
		}
	}
	ln.SetStaticIP(ip.AsSlice())
	port := conn.LocalAddr().(*net.UDPAddr).Port
	ln.SetFallbackUDP(port)
	ln.Set(enr.UDP(port))
	if cfg.TCPPort != 0 {
		ln.Set(enr.TCP(cfg.TCPPort))
	}
	if cfg.QUICPort != 0 {
		ln.Set(enr.QUIC(cfg.QUICPort))
	}
	if err := cfg.Fields.apply(ln); err != nil {
		_ = conn.Close()
		db.Close()
		return nil, fmt.Errorf("start discv5: %w", err)
	}
	dcfg := discover.Config{PrivateKey: key, Bootnodes: cfg.Bootnodes}
	if cfg.Logger != nil {
		dcfg.Log = log.NewLogger(cfg.Logger.Handler())
	}
	udp, err := discover.ListenV5(conn, ln, dcfg)
	if err != nil {
		_ = conn.Close()
		db.Close()
		return nil, fmt.Errorf("start discv5: %w", err)
	}
	return &Service{udp: udp, ln: ln, db: db}, nil
}

// Self is the node's current record.
func (s *Service) Self() *enode.Node { return s.ln.Node() }

// UpdateFields replaces the consensus entries of the node's record (a new fork digest, subnets or custody).
func (s *Service) UpdateFields(f Fields) error { return f.apply(s.ln) }

// Close stops discv5 and releases its socket.
func (s *Service) Close() {
	s.udp.Close() // closes the socket
	s.db.Close()
}

// Iterator walks random nodes of the network that pass keep. Close it when done.
func (s *Service) Iterator(keep func(*enode.Node) bool) enode.Iterator {
	return enode.Filter(s.udp.RandomNodes(), keep)
}

// Ping checks a node is alive and learns its current record, so that a bootnode's table entry is fresh.
func (s *Service) Resolve(n *enode.Node) *enode.Node { return s.udp.Resolve(n) }

// AddKnownNode inserts a node into the table, e.g. a static peer's ENR.
func (s *Service) AddKnownNode(n *enode.Node) { s.udp.AddKnownNode(n) }

// FindNodes passes up to maxNodes distinct nodes from it to found, each as soon as it comes, and returns once it
// has, when ctx ends or when the network has no more. Iterator.Next blocks, so a watcher closes it when ctx ends.
func FindNodes(ctx context.Context, it enode.Iterator, maxNodes int, found func(*enode.Node)) {
	stop := context.AfterFunc(ctx, it.Close)
	defer stop()
	seen := map[enode.ID]bool{}
	for len(seen) < maxNodes && it.Next() {
		n := it.Node()
		if seen[n.ID()] {
			continue
		}
		seen[n.ID()] = true
		found(n)
	}
}

// DefaultLookupTimeout bounds one search for peers.
const DefaultLookupTimeout = 10 * time.Second
