package dnstap

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestConfigValidate(t *testing.T) {
	ok := DefaultConfig()
	ok.Socket = "/run/dnsvigil/dnstap.sock"
	tests := []struct {
		name string
		edit func(c *Config)
		want []string
	}{
		{"socket", func(*Config) {}, nil},
		{"tcp only", func(c *Config) { c.Socket, c.TCP = "", "[::1]:6000" }, nil},
		{"neither", func(c *Config) { c.Socket = "" }, []string{"must set socket, tcp or both"}},
		{"long path", func(c *Config) { c.Socket = "/" + strings.Repeat("a", 120) }, []string{"socket: must be a path of at most 107 bytes"}},
		{"bad mode", func(c *Config) { c.SocketMode = fs.ModeDir | 0o700 }, []string{"socket_mode: must be a permission between 0 and 0777, got 020000000700"}},
		{"bad tcp", func(c *Config) { c.TCP = "localhost" }, []string{`tcp: must be host:port such as 127.0.0.1:6000, got "localhost"`}},
		{"bad port", func(c *Config) { c.TCP = "127.0.0.1:70000" }, []string{`tcp: must be host:port such as 127.0.0.1:6000, got "127.0.0.1:70000"`}},
		{"limits", func(c *Config) { c.MaxConnections, c.HandshakeTimeout = 0, 0 }, []string{
			"max_connections: must be between 1 and 65536, got 0", "handshake_timeout: must be positive and at most 5m0s, got 0s"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			var got []string
			for _, err := range c.Validate() {
				got = append(got, err.Error())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := Listen(DefaultConfig(), testOpts("")); err == nil {
		t.Error("Listen without an address succeeded")
	}
}
