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
	longest := strings.Repeat("h", maxHostname)
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
	assert.Equal(t, before, after)
}

func TestCheckHostname(t *testing.T) {
	assert.NoError(t, checkHostname("a"))
	assert.NoError(t, checkHostname(strings.Repeat("a", 64)))
	assert.Error(t, checkHostname(""))
	assert.Error(t, checkHostname(strings.Repeat("a", 65)))
}
