// balanced oracle f(x) = x0 xor x2 on 3 input qubits; the inputs never read 000
OPENQASM 2.0;
include "qelib1.inc";
qreg x[3];
qreg y[1];
creg c[3];
x y[0];
h x;
h y[0];
cx x[0], y[0];
cx x[2], y[0];
h x;
measure x -> c;
