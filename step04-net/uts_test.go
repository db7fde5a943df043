//go:build linux

package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHostnameInside(t *testing.T) {
	t.Parallel()
	longest := strings.Repeat("h", 62) + ".x" // 64 bytes: the kernel's limit
	for _, tt := range []struct {
		flags []string
		want  string
	}{
		{nil, "container"},
		{[]string{"--hostname", "demo"}, "demo"},
		{[]string{"--hostname", longest}, longest},
	} {
		r := container(t, append(tt.flags, "uname", "-n")...)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, tt.want+"\n", r.stdout)
	}
}

func TestHostHostnameUnchanged(t *testing.T) {
	t.Parallel()
	before, err := os.Hostname()
	require.NoError(t, err)
	r := container(t, "--hostname", "changed-inside", "uname", "-n")
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, "changed-inside\n", r.stdout)
	after, err := os.Hostname()
	require.NoError(t, err)
	assert.Equal(t, before, after, "the host's name changed: sethostname reached the host (is CLONE_NEWUTS in cloneFlags?); restore it with 'sudo hostname %s'", before)
}

func TestCheckHostname(t *testing.T) {
	for _, good := range []string{"a", "web-1", "a.b.c", "7", strings.Repeat("a", 63), strings.Repeat("a", 62) + ".b"} {
		assert.NoError(t, checkHostname(good), good)
	}
	for _, bad := range []string{"", strings.Repeat("a", 65), strings.Repeat("a", 64), "a\nb", "a b", "-a", "a-", "a..b", ".a", "a_b", "caf\u00e9"} {
		assert.Error(t, checkHostname(bad), "%q", bad)
	}
}
