// test_blas.cpp — the rule that picks OpenBLAS's kernel, and what blas_info reports.
//
// These tests never set or change OPENBLAS_CORETYPE: the kernel is fixed when the library
// loads, so the tests check the pure decision functions and read what is running.
//
// Lesson 14 · making it fast
#include <doctest/doctest.h>

#include "glulab/platform/blas.hpp"

using namespace glulab;

TEST_CASE("coretype_rank orders OpenBLAS cores by instruction set") {
    CHECK(coretype_rank("Prescott") == 0);
    CHECK(coretype_rank("Nehalem") == 0);
    CHECK(coretype_rank("Sandybridge") == 1);
    CHECK(coretype_rank("Haswell") == 2);
    CHECK(coretype_rank("Zen") == 2);
    CHECK(coretype_rank("SkylakeX") == 3);
    CHECK(coretype_rank("cooperlake") == 3);  // names compare case-insensitively
    CHECK(coretype_rank("Unknown") == -1);
    CHECK(coretype_rank("") == -1);
}

TEST_CASE("preferred_coretype: generic fallbacks on new CPUs get the fast kernel") {
    for (const char* old : {"Prescott", "Katmai", "Core2", "Nehalem", "Atom", "Dunnington",
                            "Penryn", "Sandybridge"}) {
        CAPTURE(old);
        CHECK(preferred_coretype(old, /*avx512=*/true, /*avx2=*/true, false) == "SkylakeX");
        CHECK(preferred_coretype(old, /*avx512=*/false, /*avx2=*/true, false) == "Haswell");
    }
    // An AVX2 kernel on an AVX-512 CPU is slower too.
    CHECK(preferred_coretype("Haswell", true, true, false) == "SkylakeX");
    CHECK(preferred_coretype("Zen", true, true, false) == "SkylakeX");
}

TEST_CASE("preferred_coretype: changes nothing when the kernel already fits") {
    CHECK(preferred_coretype("Cooperlake", true, true, false) == "");
    CHECK(preferred_coretype("SkylakeX", true, true, false) == "");
    CHECK(preferred_coretype("SapphireRapids", true, true, false) == "");
    CHECK(preferred_coretype("Haswell", false, true, false) == "");
    CHECK(preferred_coretype("Zen", false, true, false) == "");
    // A newer kernel than the CPU ranks (OpenBLAS knows better): leave it.
    CHECK(preferred_coretype("SkylakeX", false, true, false) == "");
}

TEST_CASE("preferred_coretype: old CPUs and unknown cores are left alone") {
    CHECK(preferred_coretype("Prescott", false, false, false) == "");
    CHECK(preferred_coretype("Sandybridge", false, false, false) == "");
    CHECK(preferred_coretype("SomeFutureCore", true, true, false) == "");
    CHECK(preferred_coretype("", true, true, false) == "");
}

TEST_CASE("preferred_coretype: the user's OPENBLAS_CORETYPE is always respected") {
    CHECK(preferred_coretype("Prescott", true, true, /*user_set=*/true) == "");
    CHECK(preferred_coretype("Haswell", true, true, /*user_set=*/true) == "");
    // ... but faster_coretype still knows better, for the --verbose note.
    CHECK(faster_coretype("Haswell", true, true) == "SkylakeX");
    CHECK(faster_coretype("Prescott", false, true) == "Haswell");
}

TEST_CASE("blas_info names the running kernel and its threads") {
    const BlasInfo info = blas_info();
    CHECK_FALSE(info.core.empty());
    CHECK(info.config.find("OpenBLAS") != std::string::npos);
    CHECK(info.threads >= 1);
    CHECK_FALSE(info.chosen_by.empty());
}

TEST_CASE("the running sgemm agrees with gemm_naive") {
    double err = 1;
    CHECK(sgemm_agrees_with_naive(&err));
    CHECK(err < 1e-4);
}
