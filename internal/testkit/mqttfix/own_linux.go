package mqttfix

import (
	"os/exec"
	"syscall"
)

// dieWithTest makes the broker die with the test process, even when the test binary is killed and its
// cleanups never run (a timeout's panic, SIGKILL): no Mosquitto is left behind on the shared machine.
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
