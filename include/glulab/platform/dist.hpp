// dist.hpp — the few collective operations glulab's data-parallel code needs, behind one
// interface.
//
// Built with `make MPI=1`, these call MPI (OpenMPI, MPICH: any MPI launched by `mpirun` or
// Slurm's `srun`). Built without it, or started without a launcher, there is one process:
// rank 0 of 1, and every collective is the identity (a sum over one process is its own value).
// So the trainer calls the same functions in both builds and reads as one program.
//
//   dist_init / dist_finalize   start and stop MPI (main() calls them)
//   dist_rank / dist_size       who am I, how many are we (DistSolo: alone for a while)
//   dist_allreduce_sum          x <- sum over ranks of x, on every rank
//   dist_allreduce_max          x <- max over ranks of x, on every rank
//   dist_reduce_scatter_sum     rank r gets the sum over ranks of its slice of x
//   dist_allgather              every rank gets every rank's slice of x
//   dist_gather_to_root         rank 0 gets every rank's slice of x
//   dist_gather_strings         rank 0 gets one string from each rank
//   dist_broadcast_int          every rank gets rank 0's value
//
// Slices are the ones of `dist_slice`: rank r owns [n r / N, n (r + 1) / N).
//
// What it leaves out: point-to-point messages, non-blocking collectives, communicators other
// than all processes. docs/distributed.md says how to run it; lesson 15 explains it.
//
// Lesson 15 · data parallelism
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace glulab {

// Was this binary built with MPI (make MPI=1)?
bool dist_has_mpi();
// Starts MPI when the process was started by a launcher (mpirun, srun); otherwise (or without
// MPI) the process is rank 0 of 1. Also gives each rank its share of the cores for OpenMP when
// OMP_NUM_THREADS is not set.
void dist_init(int& argc, char**& argv);
// Ends MPI normally (every rank must call it). Does nothing in a single process.
void dist_finalize();
// Ends every rank at once with `code` (a rank that failed while the others may be waiting in a
// collective). In a single process: std::exit(code).
[[noreturn]] void dist_abort(int code);

int dist_rank();  // 0 .. dist_size() - 1
int dist_size();  // number of processes, 1 without MPI

// While one lives, this process acts alone: rank 0 of 1, every collective the identity. A
// distributed sweep (compare.cpp) gives each rank whole runs and trains each one inside it.
struct DistSolo {
    DistSolo();
    ~DistSolo();
    DistSolo(const DistSolo&) = delete;
    DistSolo& operator=(const DistSolo&) = delete;
};

// The slice [begin, end) of n elements that `rank` owns.
struct Slice {
    size_t begin = 0, end = 0;
    size_t size() const { return end - begin; }
};
Slice dist_slice(size_t n, int rank);

// x[i] <- sum over ranks of x[i], on every rank, for i < n.
void dist_allreduce_sum(float* x, size_t n);
void dist_allreduce_sum(double* x, size_t n);
// x[i] <- max over ranks of x[i], on every rank, for i < n.
void dist_allreduce_max(double* x, size_t n);
// x[slice of this rank] <- the sum over ranks of that slice; the rest of x is left unspecified.
void dist_reduce_scatter_sum(float* x, size_t n);
// Every rank's slice of x is copied into x on every rank.
void dist_allgather(float* x, size_t n);
// Rank 0 gets every rank's slice of n values in all[0, n): `mine` holds this rank's slice
// (dist_slice(n, rank).size() values; on rank 0 it may be `all` itself). `all` is used on rank 0
// only (elsewhere it may be null).
void dist_gather_to_root(const float* mine, float* all, size_t n);
// On rank 0: the string of every rank, by rank; elsewhere: empty.
std::vector<std::string> dist_gather_strings(const std::string& mine);
// Rank 0's value of x, on every rank.
int dist_broadcast_int(int x);
void dist_barrier();

}  // namespace glulab
