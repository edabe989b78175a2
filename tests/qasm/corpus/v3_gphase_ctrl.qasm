OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
h q;
ctrl @ gphase(0.8) q[0];
negctrl @ gphase(-0.3) q[1];
gphase(0.25);
