//go:build race

package sshconsole

// raceEnabled: the race detector multiplies memory, so RSS bounds are not checked.
const raceEnabled = true
