//go:build !linux

package mqttfix

import "os/exec"

// dieWithTest is Linux's alone; elsewhere the test's cleanup stops the broker.
func dieWithTest(*exec.Cmd) {}
