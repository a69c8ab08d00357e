#!/usr/bin/perl
# mkpcap.pl - write a tiny pcap from hex frames, for CLI tests that need a
# link type or timestamp precision the simulator does not produce.
# usage: mkpcap.pl OUT LINKTYPE usec|nsec SEC FRAC HEXFRAME [HEXFRAME...]
# Frames get consecutive seconds starting at SEC, each with fraction FRAC.
use strict;
use warnings;
my ($out, $lt, $prec, $sec, $frac, @frames) = @ARGV;
die "usage\n" unless defined $frac;
my $magic = $prec eq 'nsec' ? 0xa1b23c4d : 0xa1b2c3d4;
open(my $fh, '>:raw', $out) or die "$out: $!\n";
print $fh pack('VvvVVVV', $magic, 2, 4, 0, 0, 65535, $lt);
for my $hex (@frames) {
	my $b = pack('H*', $hex);
	print $fh pack('VVVV', $sec++, $frac, length($b), length($b)), $b;
}
close($fh) or die "$out: $!\n";
