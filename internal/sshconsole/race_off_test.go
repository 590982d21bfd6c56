//go:build !race

package sshconsole

const raceEnabled = false
