// Teleportation of u3(0.7, 0.3, 0.2)|0> from q[0] to q[2], with mid-circuit measurement and
// classically controlled corrections. P(r = 1) = sin^2(0.35) = 0.1176.
OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
creg a[1];
creg b[1];
creg r[1];
u3(0.7, 0.3, 0.2) q[0];
h q[1];
cx q[1], q[2];
cx q[0], q[1];
h q[0];
measure q[0] -> a[0];
measure q[1] -> b[0];
if (b == 1) x q[2];
if (a == 1) z q[2];
measure q[2] -> r[0];
