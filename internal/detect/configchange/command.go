package configchange

import (
	"strings"
)

// cmdResult is what a command line sets.
type cmdResult struct {
	// tool names the command family ("netsh", "powershell", "wmi",
	// "resolv.conf", "resolvectl", "nmcli", "networksetup").
	tool string
	// verb is the cmdlet, method or sub-command that sets resolvers.
	verb string
	// servers are the addresses the command sets, as written.
	servers []string
	// reset is true when the command puts resolvers back to DHCP.
	reset bool
	// setting describes a change without a server address.
	setting string
}

// cmdNeedles are lowercase fragments, one of which every command line this
// detector parses contains; a line without any is skipped without
// allocating.
var cmdNeedles = [...]string{
	"netsh", "dnsclient", "dnsserversearchorder", "resolv.conf", "resolvectl",
	"systemd-resolve", "nmcli", "networksetup",
}

// mayConfigureDNS reports whether cmd contains a needle. It does not
// allocate.
func mayConfigureDNS(cmd string) bool {
	for _, n := range cmdNeedles {
		if indexFold(cmd, n) >= 0 {
			return true
		}
	}
	return false
}

// parseCommand returns what cmd sets, or ok false when it does not change
// resolver configuration.
func parseCommand(cmd string) (cmdResult, bool) {
	if !mayConfigureDNS(cmd) {
		return cmdResult{}, false
	}
	for _, p := range [...]func(string) (cmdResult, bool){
		parsePowerShell, parseWMI, parseNetsh, parseResolvConf, parseResolvectl, parseNmcli, parseNetworksetup,
	} {
		if r, ok := p(cmd); ok {
			return r, true
		}
	}
	return cmdResult{}, false
}

// fields splits a command line into words: white space separates, single
// and double quotes group (and are removed), and the shell operators |, ;
// and & end a word.
func fields(s string) []string {
	var out []string
	var b strings.Builder
	inWord := false
	var quote byte
	flush := func() {
		if inWord {
			out = append(out, b.String())
			b.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			b.WriteByte(c)
		case c == '"' || c == '\'':
			quote = c
			inWord = true
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			flush()
		case c == '|' || c == ';' || c == '&':
			flush()
			out = append(out, string(c))
		default:
			b.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return out
}

// isOperator reports whether w is a shell operator word from fields.
func isOperator(w string) bool { return w == "|" || w == ";" || w == "&" }

// splitList splits a list value ("1.1.1.1,8.8.8.8", "1.1.1.1 8.8.8.8")
// into its non-empty items.
func splitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r < 0x80 && serverSep(byte(r)) })
}

// addressesIn returns the items of words that are addresses.
func addressesIn(words []string) []string {
	var out []string
	for _, w := range words {
		for _, item := range splitList(w) {
			if _, ok := parseServer(item); ok {
				out = append(out, item)
			}
		}
	}
	return out
}

// findProgram returns the index of the first word naming prog, or -1.
func findProgram(words []string, prog string) int {
	for i, w := range words {
		if isProgram(w, prog) {
			return i
		}
	}
	return -1
}

// command returns words from i up to the next shell operator.
func command(words []string, i int) []string {
	j := i
	for j < len(words) && !isOperator(words[j]) {
		j++
	}
	return words[i:j]
}

// isAbbrev reports whether w abbreviates full to at least min characters,
// case-insensitively, as netsh and nmcli accept.
func isAbbrev(w, full string, min int) bool {
	return len(w) >= min && len(w) <= len(full) && strings.EqualFold(full[:len(w)], w)
}

// parseNetsh reads `netsh interface ip|ipv4|ipv6 set|add dns|dnsservers ...`.
func parseNetsh(cmd string) (cmdResult, bool) {
	words := fields(cmd)
	i := findProgram(words, "netsh")
	if i < 0 {
		return cmdResult{}, false
	}
	var w []string
	for _, x := range command(words, i+1) {
		if strings.HasPrefix(x, "-") {
			continue // netsh -c "interface ip" ...
		}
		w = append(w, strings.Fields(x)...)
	}
	if len(w) < 4 || !isAbbrev(w[0], "interface", 2) {
		return cmdResult{}, false
	}
	switch strings.ToLower(w[1]) {
	case "ip", "ipv4", "ipv6":
	default:
		return cmdResult{}, false
	}
	if !isAbbrev(w[2], "set", 1) && !isAbbrev(w[2], "add", 1) {
		return cmdResult{}, false
	}
	if !isAbbrev(w[3], "dnsservers", 3) && !isAbbrev(w[3], "dnsserver", 3) {
		return cmdResult{}, false
	}
	r := cmdResult{tool: "netsh", verb: strings.ToLower(w[2] + " " + w[3])}
	for _, arg := range w[4:] {
		name, val, isNamed := strings.Cut(arg, "=")
		switch {
		case isNamed && isAbbrev(name, "address", 4):
			r.servers = append(r.servers, addressesIn([]string{val})...)
		case isNamed && isAbbrev(name, "source", 1):
			r.reset = r.reset || strings.EqualFold(val, "dhcp")
		case !isNamed && strings.EqualFold(arg, "dhcp"):
			r.reset = true
		case !isNamed:
			if _, ok := parseServer(arg); ok {
				r.servers = append(r.servers, arg)
			}
		}
	}
	return r, true
}

// psCmdlet is a PowerShell cmdlet that sets DNS client configuration, with
// the parameters that carry servers and reset them.
type psCmdlet struct {
	name      string // lowercase
	servers   string // lowercase parameter name, "" for none
	minServer int    // shortest accepted abbreviation of servers
	reset     string // lowercase parameter name, "" for none
	setting   string // description when the cmdlet sets no server
}

var psCmdlets = [...]psCmdlet{
	{name: "set-dnsclientserveraddress", servers: "-serveraddresses", minServer: 2, reset: "-resetserveraddresses"},
	{name: "add-dnsclientdohserveraddress", servers: "-serveraddress", minServer: 3},
	{name: "set-dnsclientdohserveraddress", servers: "-serveraddress", minServer: 3},
	{name: "add-dnsclientnrptrule", servers: "-nameservers", minServer: 6},
	{name: "set-dnsclientnrptrule", servers: "-nameservers", minServer: 6},
	{name: "set-dnsclientglobalsetting", setting: "global DNS client setting (suffix search list, devolution)"},
	{name: "set-dnsclientnrptglobal", setting: "NRPT global setting"},
}

// parsePowerShell reads the DNS client cmdlets wherever they occur in the
// line (powershell -Command "...", a script block, a pipeline).
func parsePowerShell(cmd string) (cmdResult, bool) {
	for _, c := range psCmdlets {
		i := indexFold(cmd, c.name)
		if i < 0 {
			continue
		}
		rest := cmd[i+len(c.name):]
		if end := strings.IndexAny(rest, ";|\n}"); end >= 0 {
			rest = rest[:end]
		}
		r := cmdResult{tool: "powershell", verb: cmd[i : i+len(c.name)], setting: c.setting}
		var param string
		for _, tok := range psTokens(rest) {
			if strings.HasPrefix(tok, "-") {
				name, val, hasVal := strings.Cut(tok, ":")
				param = strings.ToLower(name)
				if c.reset != "" && isAbbrev(param, c.reset, 2) {
					r.reset = true
				}
				if !hasVal {
					continue
				}
				tok = val
			}
			if c.servers != "" && isAbbrev(param, c.servers, c.minServer) {
				if _, ok := parseServer(tok); ok {
					r.servers = append(r.servers, tok)
				}
			}
		}
		return r, true
	}
	return cmdResult{}, false
}

// psTokens splits PowerShell argument text on white space, commas, quotes
// and the array and hash punctuation @ ( ) { } =.
func psTokens(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case ' ', '\t', ',', '"', '\'', '@', '(', ')', '{', '}', '=', '`':
			return true
		}
		return false
	})
}

// parseWMI reads Win32_NetworkAdapterConfiguration.SetDNSServerSearchOrder
// called from wmic, PowerShell WMI/CIM or a script: every address after the
// method name is a server, and a call without any resets to DHCP.
func parseWMI(cmd string) (cmdResult, bool) {
	const method = "setdnsserversearchorder"
	i := indexFold(cmd, method)
	if i < 0 {
		return cmdResult{}, false
	}
	rest := cmd[i+len(method):]
	if end := strings.IndexAny(rest, ";|&\n"); end >= 0 {
		rest = rest[:end]
	}
	r := cmdResult{tool: "wmi", verb: cmd[i : i+len(method)]}
	r.servers = addressesIn(psTokens(rest))
	r.reset = len(r.servers) == 0
	return r, true
}

// resolvConfPaths are the files whose writes change a Unix host's resolvers.
var resolvConfPaths = [...]string{"/etc/resolv.conf", "/run/systemd/resolve/resolv.conf"}

// resolvConfReplacer spaces out redirections and drops quotes and
// printf-style newlines.
var resolvConfReplacer = strings.NewReplacer(">", " > ", `"`, " ", "'", " ", `\n`, " ")

// parseResolvConf reads a command that writes /etc/resolv.conf: a
// redirection into it, tee, sed -i, cp, mv, ln or install onto it. Servers
// are the addresses after the word "nameserver" anywhere in the line.
func parseResolvConf(cmd string) (cmdResult, bool) {
	// Quotes are dropped rather than grouping, so that a script passed as
	// one argument (sh -c "echo ... > /etc/resolv.conf") splits into words.
	words := fields(resolvConfReplacer.Replace(cmd))
	verb := ""
	for i, w := range words {
		if !isResolvConf(w) {
			continue
		}
		if v := writerOf(words, i); v != "" {
			verb = v
			break
		}
	}
	if verb == "" {
		return cmdResult{}, false
	}
	r := cmdResult{tool: "resolv.conf", verb: verb}
	r.servers = nameserverLines(cmd)
	if len(r.servers) == 0 {
		r.setting = "resolv.conf written (" + verb + ") without a visible nameserver line"
	}
	return r, true
}

// nameserverLines returns the addresses that follow the word "nameserver"
// anywhere in cmd: in an echo, a printf format, a sed replacement.
func nameserverLines(cmd string) []string {
	var out []string
	for rest := cmd; ; {
		i := indexFold(rest, "nameserver")
		if i < 0 {
			return out
		}
		rest = strings.TrimLeft(rest[i+len("nameserver"):], " \t")
		j := 0
		for j < len(rest) && isAddrByte(rest[j]) {
			j++
		}
		if _, ok := parseServer(rest[:j]); ok {
			out = append(out, rest[:j])
		}
		rest = rest[j:]
	}
}

// isAddrByte reports whether c may occur in a written address.
func isAddrByte(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' || c == '.' || c == ':'
}

func isResolvConf(w string) bool {
	for _, p := range resolvConfPaths {
		if w == p {
			return true
		}
	}
	return false
}

// writerOf returns how the command containing words[i] (a resolv.conf path)
// writes it, or "" when it only reads it.
func writerOf(words []string, i int) string {
	if i > 0 && (words[i-1] == ">") {
		return "redirect"
	}
	start := i
	for start > 0 && !isOperator(words[start-1]) && words[start-1] != ">" {
		start--
	}
	cmd := command(words, start)
	for len(cmd) > 0 && (isProgram(cmd[0], "sudo") || isProgram(cmd[0], "doas") || isProgram(cmd[0], "busybox")) {
		cmd = cmd[1:]
	}
	if len(cmd) == 0 {
		return ""
	}
	prog := strings.ToLower(baseName(cmd[0]))
	last := cmd[len(cmd)-1] == words[i]
	switch prog {
	case "tee":
		return "tee"
	case "sed", "perl":
		for _, a := range cmd[1:] {
			if strings.HasPrefix(a, "-i") || (strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a, "i")) {
				return prog + " -i"
			}
		}
	case "cp", "mv", "ln", "install", "rsync":
		if last {
			return prog
		}
	}
	return ""
}

// parseResolvectl reads `resolvectl dns IFACE SERVER...`, `resolvectl
// revert IFACE` and `systemd-resolve --set-dns=SERVER`.
func parseResolvectl(cmd string) (cmdResult, bool) {
	words := fields(cmd)
	if i := findProgram(words, "systemd-resolve"); i >= 0 {
		r := cmdResult{tool: "resolvectl", verb: "--set-dns"}
		args := command(words, i+1)
		for j, a := range args {
			switch {
			case strings.HasPrefix(a, "--set-dns="):
				r.servers = append(r.servers, addressesIn([]string{a[len("--set-dns="):]})...)
			case a == "--set-dns" && j+1 < len(args):
				r.servers = append(r.servers, addressesIn([]string{args[j+1]})...)
			case a == "--revert":
				r.reset, r.verb = true, "--revert"
			}
		}
		return r, len(r.servers) > 0 || r.reset
	}
	i := findProgram(words, "resolvectl")
	if i < 0 {
		return cmdResult{}, false
	}
	var args []string
	for _, a := range command(words, i+1) {
		if !strings.HasPrefix(a, "-") {
			args = append(args, a)
		}
	}
	if len(args) < 2 {
		return cmdResult{}, false
	}
	switch strings.ToLower(args[0]) {
	case "dns":
		servers := addressesIn(args[2:])
		return cmdResult{tool: "resolvectl", verb: "dns", servers: servers}, len(servers) > 0
	case "revert":
		return cmdResult{tool: "resolvectl", verb: "revert", reset: true}, true
	}
	return cmdResult{}, false
}

// parseNmcli reads `nmcli connection|device modify|add ... ipv4.dns X` and
// ipv6.dns, with abbreviations and +ipv4.dns.
func parseNmcli(cmd string) (cmdResult, bool) {
	words := fields(cmd)
	i := findProgram(words, "nmcli")
	if i < 0 {
		return cmdResult{}, false
	}
	args := command(words, i+1)
	obj := -1
	for j, a := range args {
		if !strings.HasPrefix(a, "-") && (isAbbrev(a, "connection", 1) || isAbbrev(a, "device", 1)) {
			obj = j
			break
		}
	}
	if obj < 0 || obj+1 >= len(args) || !(isAbbrev(args[obj+1], "modify", 1) || isAbbrev(args[obj+1], "add", 1)) {
		return cmdResult{}, false
	}
	r := cmdResult{tool: "nmcli", verb: strings.ToLower(args[obj] + " " + args[obj+1])}
	found := false
	for j := obj + 2; j+1 < len(args); j++ {
		p := strings.ToLower(strings.TrimPrefix(args[j], "+"))
		if p != "ipv4.dns" && p != "ipv6.dns" {
			continue
		}
		found = true
		if strings.TrimSpace(args[j+1]) == "" {
			r.reset = true
		}
		r.servers = append(r.servers, addressesIn([]string{args[j+1]})...)
	}
	return r, found
}

// parseNetworksetup reads macOS `networksetup -setdnsservers SERVICE X...`
// ("Empty" resets to DHCP).
func parseNetworksetup(cmd string) (cmdResult, bool) {
	words := fields(cmd)
	i := findProgram(words, "networksetup")
	if i < 0 {
		return cmdResult{}, false
	}
	args := command(words, i+1)
	if len(args) < 2 || !strings.EqualFold(args[0], "-setdnsservers") {
		return cmdResult{}, false
	}
	r := cmdResult{tool: "networksetup", verb: "-setdnsservers", servers: addressesIn(args[2:])}
	for _, a := range args[2:] {
		if strings.EqualFold(a, "empty") {
			r.reset = true
		}
	}
	return r, len(r.servers) > 0 || r.reset
}
