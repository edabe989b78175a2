// OpenQASM 3: a 3-qubit quantum Fourier transform with an input angle prepared first.
// Run with: qtilab run examples/qft3.qasm --param theta=0.5 --probabilities
OPENQASM 3.0;
include "stdgates.inc";
input float theta;
qubit[3] q;
bit[3] c;
gate qft3 a, b, c {
  h c; cp(π/2) b, c; cp(π/4) a, c;
  h b; cp(π/2) a, b;
  h a;
  swap a, c;
}
ry(theta) q[0];
x q[2];
qft3 q[0], q[1], q[2];
inv @ qft3 q[0], q[1], q[2];
c = measure q;
