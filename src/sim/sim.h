/* sim.h - traffic simulator: a smart home written to a pcap from a seed.
 *
 * `edgeward sim` writes an Ethernet pcap of a simulated home network (a
 * router that serves DHCP/DNS/NTP and N devices of several kinds, each with
 * its kind's habits) over hours of simulated time, optionally with attack
 * scenarios, plus a ground-truth file naming what is malicious. The same
 * seed and options always give byte-identical files. Tests, the demo and
 * the benchmark build their captures with it. */
#ifndef EW_SIM_H
#define EW_SIM_H

/* `edgeward sim` entry point (argv[0] is "sim"). Returns the exit status:
 * 0 success, 1 I/O error, 2 bad usage. */
int sim_main(int argc, char **argv);

#endif /* EW_SIM_H */
