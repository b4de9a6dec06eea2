// dist.cpp — the collectives of dist.hpp: MPI calls with -DGLULAB_MPI, one process without.
//
// Lesson 15 · data parallelism
#include "glulab/platform/dist.hpp"

#include "glulab/platform/check.hpp"

#include <atomic>
#include <omp.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

#ifdef GLULAB_MPI
#define OMPI_SKIP_MPICXX 1  // the C API only: no C++ bindings to link
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace glulab {

Slice dist_slice(size_t n, int rank) {
    const size_t N = static_cast<size_t>(dist_size()), r = static_cast<size_t>(rank);
    return Slice{n * r / N, n * (r + 1) / N};
}

#ifdef GLULAB_MPI

namespace {
bool g_mpi = false;  // MPI_Init ran (the process was started by a launcher)
int g_rank = 0, g_size = 1;
std::atomic<int> g_solo{0};  // live DistSolo scopes (atomic: compare trains cells in threads)

// Launchers announce themselves through the environment: OpenMPI's mpirun, MPICH's hydra and
// Slurm's PMI-2, PMIx (srun --mpi=pmix).
bool started_by_launcher() {
    for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
        if (std::getenv(var) != nullptr) return true;
    return false;
}

int count_of(size_t n) {
    GLULAB_CHECK(n <= static_cast<size_t>(INT_MAX), "use a smaller model",
                 "MPI counts are int: {} values is too many for one call", n);
    return static_cast<int>(n);
}

// counts[r], displs[r] of the slices of n values (dist_slice), for the v-collectives.
struct SliceCounts {
    std::vector<int> counts, displs;
    explicit SliceCounts(size_t n) {
        count_of(n);
        for (int r = 0; r < dist_size(); r++) {
            const Slice s = dist_slice(n, r);
            counts.push_back(static_cast<int>(s.size()));
            displs.push_back(static_cast<int>(s.begin));
        }
    }
};
}  // namespace

bool dist_has_mpi() { return true; }

void dist_init(int& argc, char**& argv) {
    if (!started_by_launcher()) return;
    int provided = 0;
    // OpenMP threads compute; only the main thread calls MPI.
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    g_mpi = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    // Ranks on the same machine share its cores: each takes its share unless told otherwise.
    MPI_Comm local;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local);
    int local_size = 1;
    MPI_Comm_size(local, &local_size);
    MPI_Comm_free(&local);
    if (std::getenv("OMP_NUM_THREADS") == nullptr && local_size > 1)
        omp_set_num_threads(std::max(1, omp_get_num_procs() / local_size));
}

void dist_finalize() {
    if (g_mpi) MPI_Finalize();
    g_mpi = false;
}

void dist_abort(int code) {
    if (g_mpi) MPI_Abort(MPI_COMM_WORLD, code);
    std::exit(code);
}

int dist_rank() { return g_solo ? 0 : g_rank; }
int dist_size() { return g_solo ? 1 : g_size; }
DistSolo::DistSolo() { g_solo++; }
DistSolo::~DistSolo() { g_solo--; }

void dist_allreduce_sum(float* x, size_t n) {
    if (dist_size() > 1) MPI_Allreduce(MPI_IN_PLACE, x, count_of(n), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}

void dist_allreduce_sum(double* x, size_t n) {
    if (dist_size() > 1) MPI_Allreduce(MPI_IN_PLACE, x, count_of(n), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

void dist_allreduce_max(double* x, size_t n) {
    if (dist_size() > 1) MPI_Allreduce(MPI_IN_PLACE, x, count_of(n), MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
}

void dist_reduce_scatter_sum(float* x, size_t n) {
    if (dist_size() == 1) return;
    const SliceCounts c(n);
    // MPI_Reduce_scatter writes the result to the start of its receive buffer; move it to the
    // slice's place so that x keeps one layout.
    std::vector<float> mine(static_cast<size_t>(c.counts[static_cast<size_t>(dist_rank())]));
    MPI_Reduce_scatter(x, mine.data(), c.counts.data(), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    std::copy(mine.begin(), mine.end(), x + c.displs[static_cast<size_t>(dist_rank())]);
}

void dist_allgather(float* x, size_t n) {
    if (dist_size() == 1) return;
    const SliceCounts c(n);
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_FLOAT, x, c.counts.data(), c.displs.data(), MPI_FLOAT,
                   MPI_COMM_WORLD);
}

void dist_gather_to_root(const float* mine, float* all, size_t n) {
    const Slice s = dist_slice(n, dist_rank());
    if (dist_size() == 1) {
        if (mine != all) std::copy(mine, mine + s.size(), all);
        return;
    }
    const SliceCounts c(n);
    if (dist_rank() == 0)  // rank 0's slice starts at 0: in place when `mine` is already there
        MPI_Gatherv(mine == all ? MPI_IN_PLACE : mine, count_of(s.size()), MPI_FLOAT, all,
                    c.counts.data(), c.displs.data(), MPI_FLOAT, 0, MPI_COMM_WORLD);
    else
        MPI_Gatherv(mine, count_of(s.size()), MPI_FLOAT, nullptr, nullptr, nullptr, MPI_FLOAT, 0,
                    MPI_COMM_WORLD);
}

std::vector<std::string> dist_gather_strings(const std::string& mine) {
    if (dist_size() == 1) return {mine};
    int len = count_of(mine.size());
    std::vector<int> lens(static_cast<size_t>(dist_size())), displs(static_cast<size_t>(dist_size()));
    MPI_Gather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
    std::string all;
    if (dist_rank() == 0) {
        size_t total = 0;
        for (size_t r = 0; r < lens.size(); r++) {
            displs[r] = count_of(total);
            total += static_cast<size_t>(lens[r]);
        }
        all.resize(total);
    }
    MPI_Gatherv(mine.data(), len, MPI_CHAR, all.data(), lens.data(), displs.data(), MPI_CHAR, 0,
                MPI_COMM_WORLD);
    std::vector<std::string> out;
    if (dist_rank() == 0)
        for (size_t r = 0; r < lens.size(); r++)
            out.push_back(all.substr(static_cast<size_t>(displs[r]), static_cast<size_t>(lens[r])));
    return out;
}

int dist_broadcast_int(int x) {
    if (dist_size() > 1) MPI_Bcast(&x, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return x;
}

void dist_barrier() {
    if (dist_size() > 1) MPI_Barrier(MPI_COMM_WORLD);
}

#else  // one process: rank 0 of 1, every collective is the identity

bool dist_has_mpi() { return false; }
void dist_init(int&, char**&) {}
void dist_finalize() {}
void dist_abort(int code) { std::exit(code); }
int dist_rank() { return 0; }
int dist_size() { return 1; }
DistSolo::DistSolo() {}
DistSolo::~DistSolo() {}
void dist_allreduce_sum(float*, size_t) {}
void dist_allreduce_sum(double*, size_t) {}
void dist_allreduce_max(double*, size_t) {}
void dist_reduce_scatter_sum(float*, size_t) {}
void dist_allgather(float*, size_t) {}
void dist_gather_to_root(const float* mine, float* all, size_t n) {
    if (mine != all) std::copy(mine, mine + n, all);
}
std::vector<std::string> dist_gather_strings(const std::string& mine) { return {mine}; }
int dist_broadcast_int(int x) { return x; }
void dist_barrier() {}

#endif

}  // namespace glulab
