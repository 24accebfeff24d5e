// Package slurm holds no code: its folder holds the Slurm side of a zoo
// sweep (sweep.sbatch, a job array; local-cluster.sh, a throwaway one-node
// cluster; ci-sweep.sh, CI's run of both), and its test checks how
// sweep.sbatch turns an array task into a zoo command, without Slurm.
package slurm
