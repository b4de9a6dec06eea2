// safetensors.cpp — write and read safetensors files (see safetensors.hpp for the layout).
//
// Contains: safetensors_write (atomic, through platform/files.hpp → write_file_atomic) and
// safetensors_read (validate the whole header before touching the data, then copy each tensor
// into owned vectors). Leaves out: memory mapping, dtypes other than F32 / I32 / I8.
//
// The reader treats every file as untrusted input: each length, offset and shape is checked
// against the file's real size before it is used, so a truncated or malicious file produces a
// glulab::Error naming the file and the problem, never a crash or a huge allocation.
//
// Lesson 12 · training
#include "glulab/train/safetensors.hpp"

#include "glulab/platform/files.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

// The data section is raw little-endian bytes, copied straight to and from memory.
static_assert(std::endian::native == std::endian::little,
              "glulab's safetensors I/O assumes a little-endian machine");

namespace glulab {

namespace {

// A header longer than this is treated as corrupt rather than allocated (the JSON of a large
// model is a few hundred kilobytes).
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
// A header nests three levels: the header object, an entry, and its shape or data_offsets
// list. Nothing deeper is ever legal, so nothing deeper is parsed: a file nesting lists
// 300,000 deep would otherwise reach recursive code (nlohmann's dump, in an error message)
// and overflow the stack.
constexpr int kMaxHeaderDepth = 3;
// The most metadata keys a header may hold (glulab writes at most five). Each costs a map node
// of about 100 bytes for as few as 6 bytes of header, so this bounds their memory.
constexpr size_t kMaxMetadataKeys = 1024;

const char* kSupported = "glulab reads and writes F32, I32 and I8 tensors";

bool parse_dtype(const std::string& s, DType* out) {
    if (s == "F32") { *out = DType::F32; return true; }
    if (s == "I32") { *out = DType::I32; return true; }
    if (s == "I8") { *out = DType::I8; return true; }
    return false;
}

}  // namespace

const char* dtype_name(DType dtype) { return dtype == DType::F32 ? "F32" : dtype == DType::I32 ? "I32" : "I8"; }
size_t dtype_size(DType dtype) { return dtype == DType::I8 ? 1 : 4; }

SafetensorsEntry::SafetensorsEntry(std::string name_, Shape shape_, const float* data_)
    : name(std::move(name_)), shape(shape_), dtype(DType::F32), data(data_) {}
SafetensorsEntry::SafetensorsEntry(std::string name_, Shape shape_, const int32_t* data_)
    : name(std::move(name_)), shape(shape_), dtype(DType::I32), data(data_) {}
SafetensorsEntry::SafetensorsEntry(std::string name_, Shape shape_, const int8_t* data_)
    : name(std::move(name_)), shape(shape_), dtype(DType::I8), data(data_) {}

// Writing
// -------
// The header lists the tensors in the given order with contiguous byte ranges: the first
// starts at 0, each next one where the previous ended. nlohmann's ordered_json keeps that
// order in the JSON too, so the header reads like the file.

namespace {

// n == 0 writes nothing (and never hands fwrite the null pointer of an empty tensor).
bool put(std::FILE* f, const void* bytes, size_t n) { return n == 0 || std::fwrite(bytes, 1, n, f) == n; }

std::string make_header(const std::vector<SafetensorsEntry>& tensors,
                        const SafetensorsMetadata& metadata) {
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    uint64_t offset = 0;
    for (const SafetensorsEntry& t : tensors) {
        uint64_t bytes = static_cast<uint64_t>(t.shape.numel()) * dtype_size(t.dtype);
        std::vector<int> dims(t.shape.dims.begin(), t.shape.dims.begin() + t.shape.rank);
        header[t.name] = {{"dtype", dtype_name(t.dtype)},
                          {"shape", dims},
                          {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string text;
    try {
        text = header.dump();
    } catch (const nlohmann::json::exception& e) {
        GLULAB_CHECK(false, "names and metadata must be valid UTF-8",
                     "cannot encode the safetensors header: {}", e.what());
    }
    // Pad with spaces (JSON whitespace) so the data section starts 8-byte aligned.
    text.append((8 - text.size() % 8) % 8, ' ');
    return text;
}

}  // namespace

std::function<bool(std::FILE*)> safetensors_fill(const std::string& path,
                                                 const std::vector<SafetensorsEntry>& tensors,
                                                 const SafetensorsMetadata& metadata) {
    std::set<std::string> seen;
    for (const SafetensorsEntry& t : tensors) {
        GLULAB_CHECK(!t.name.empty() && t.name != "__metadata__",
                     "\"__metadata__\" is reserved for the metadata map",
                     "invalid tensor name '{}' for {}", t.name, path);
        GLULAB_CHECK(seen.insert(t.name).second, "each tensor needs its own name",
                     "tensor '{}' is listed twice for {}", t.name, path);
        GLULAB_CHECK(t.shape.rank >= 1, "give the tensor a shape such as (1)",
                     "tensor '{}' has no shape", t.name);
        GLULAB_CHECK(t.data || t.shape.numel() == 0, "point data at numel() values",
                     "tensor '{}' of shape {} has no data", t.name, t.shape);
    }
    std::string header = make_header(tensors, metadata);
    return [header = std::move(header), tensors](std::FILE* f) {
        // The 8-byte length, little-endian: least significant byte first.
        unsigned char length[8];
        for (int i = 0; i < 8; i++)
            length[i] = static_cast<unsigned char>(static_cast<uint64_t>(header.size()) >> (8 * i));
        bool ok = put(f, length, 8) && put(f, header.data(), header.size());
        for (const SafetensorsEntry& t : tensors)
            ok = ok && put(f, t.data, static_cast<size_t>(t.shape.numel()) * dtype_size(t.dtype));
        return ok;
    };
}

void safetensors_write(const std::string& path, const std::vector<SafetensorsEntry>& tensors,
                       const SafetensorsMetadata& metadata) {
    write_file_atomic(path, safetensors_fill(path, tensors, metadata));
}

// Reading
// -------
// Order of checks: the file's size, the header length, the JSON, each entry (dtype, shape,
// byte range), then the ranges against each other. Only after all of that is any tensor data
// allocated and read.

namespace {

struct Range {
    uint64_t begin = 0, end = 0;
    size_t index = 0;  // into SafetensorsFile::tensors
};

// Shape and byte range of the entry `name` = `entry`, checked against `data_bytes`, the size
// of the data section.
SafetensorsTensor parse_entry(const std::string& path, const std::string& name,
                              const nlohmann::json& entry, uint64_t data_bytes, Range* range) {
    const char* hint = "each entry is {\"dtype\": ..., \"shape\": [...], \"data_offsets\": [b, e]}";
    GLULAB_CHECK(entry.is_object(), hint, "{}: entry '{}' is not a JSON object", path, name);
    for (const char* key : {"dtype", "shape", "data_offsets"})
        GLULAB_CHECK(entry.contains(key), hint, "{}: tensor '{}' has no \"{}\"", path, name, key);

    SafetensorsTensor t;
    t.name = name;
    const nlohmann::json& dtype = entry["dtype"];
    GLULAB_CHECK(dtype.is_string() && parse_dtype(dtype.get<std::string>(), &t.dtype), kSupported,
                 "{}: tensor '{}' has unsupported dtype {}", path, name, dtype.dump());

    const nlohmann::json& shape = entry["shape"];
    GLULAB_CHECK(shape.is_array() && shape.size() >= 1 && shape.size() <= 4,
                 "glulab tensors have rank 1 to 4",
                 "{}: tensor '{}' has shape {}, not a list of 1 to 4 sizes", path, name,
                 shape.dump());
    for (const nlohmann::json& d : shape) {
        GLULAB_CHECK(d.is_number_unsigned() && d.get<uint64_t>() <= INT_MAX,
                     "sizes are non-negative integers",
                     "{}: tensor '{}' has invalid size {} in shape {}", path, name, d.dump(),
                     shape.dump());
        t.shape.dims[static_cast<size_t>(t.shape.rank++)] = d.get<int>();
    }
    // numel in 64 bits without wrapping around: four sizes below 2^31 could reach 2^124.
    // `overflow` means "more bytes than any file holds" (a zero size anywhere still wins).
    uint64_t numel = 1;
    bool overflow = false;
    for (int i = 0; i < t.shape.rank; i++) {
        uint64_t n = static_cast<uint64_t>(t.shape[i]);
        if (n == 0) { numel = 0; overflow = false; break; }
        if (numel > UINT64_MAX / 8 / n) overflow = true;
        if (!overflow) numel *= n;
    }

    const nlohmann::json& offsets = entry["data_offsets"];
    GLULAB_CHECK(offsets.is_array() && offsets.size() == 2 && offsets[0].is_number_unsigned() &&
                     offsets[1].is_number_unsigned(),
                 hint, "{}: tensor '{}' has data_offsets {}, not two non-negative integers",
                 path, name, offsets.dump());
    range->begin = offsets[0].get<uint64_t>();
    range->end = offsets[1].get<uint64_t>();
    GLULAB_CHECK(range->begin <= range->end, "data_offsets are [begin, end)",
                 "{}: tensor '{}' has data_offsets [{}, {}] with begin after end", path, name,
                 range->begin, range->end);
    GLULAB_CHECK(!overflow && numel * dtype_size(t.dtype) == range->end - range->begin,
                 "numel * dtype size must equal end - begin",
                 "{}: tensor '{}' of shape {} and dtype {} needs {} bytes but data_offsets "
                 "[{}, {}] hold {}", path, name, t.shape, dtype_name(t.dtype),
                 overflow ? std::string("too many") : std::to_string(numel * dtype_size(t.dtype)),
                 range->begin, range->end, range->end - range->begin);
    GLULAB_CHECK(range->end <= data_bytes, "the file may be truncated",
                 "{}: tensor '{}' has data_offsets [{}, {}] past the end of the data section "
                 "({} bytes)", path, name, range->begin, range->end, data_bytes);
    return t;
}

// The strings are moved out of `meta`, not copied: a vocabulary of every code point is
// megabytes long.
SafetensorsMetadata parse_metadata(const std::string& path, nlohmann::json& meta) {
    const char* hint = "__metadata__ maps strings to strings; store JSON values as strings";
    GLULAB_CHECK(meta.is_object(), hint, "{}: __metadata__ is not a JSON object", path);
    SafetensorsMetadata out;
    for (auto& [key, value] : meta.items()) {
        GLULAB_CHECK(value.is_string(), hint, "{}: metadata '{}' is {}, not a string", path, key,
                     value.dump());
        out[key] = std::move(value.get_ref<std::string&>());
    }
    return out;
}

// What a value is, for messages about values that are not even parsed (a list or an object
// where a string or a number belongs).
const char* json_kind(nlohmann::json::parse_event_t event) {
    return event == nlohmann::json::parse_event_t::object_start ? "an object" : "a list";
}

// HeaderReader
// ------------
// The callback nlohmann's parser calls at every step of the header's JSON (`depth` 0 is the
// header object, 1 its members, 2 an entry's members, 3 the values of a shape or data_offsets
// list). Each top-level member is checked as soon as it is complete (parse_entry,
// parse_metadata) and then dropped from the JSON (the callback returns false), so the parse
// holds one entry at a time: memory stays within a few times the header's size, whatever the
// header says. Anything a header never holds is refused the moment it starts: nesting deeper
// than kMaxHeaderDepth, a list of more than 4 values, a key an entry does not have or has
// twice, a metadata value that is not a string, a header that is not an object.
struct HeaderReader {
    const std::string& path;
    uint64_t data_bytes;
    SafetensorsFile& file;
    std::vector<Range>& ranges;
    std::string name;           // the member being read ("__metadata__" or a tensor's name)
    std::string key;            // the key being read inside it
    std::set<std::string> keys;  // the keys of the member so far
    size_t list_values = 0;     // values so far in the list being read
    bool metadata_seen = false;

    bool operator()(int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        using E = nlohmann::json::parse_event_t;
        const bool starts = event == E::object_start || event == E::array_start;
        const bool metadata = name == "__metadata__";
        if (depth == 0) {
            GLULAB_CHECK(event != E::array_start, "the header maps tensor names to entries",
                         "{}: header is JSON but not an object", path);
            return true;
        }
        GLULAB_CHECK(!starts || depth < kMaxHeaderDepth, "a header nests 3 levels: entries, each with two lists",
                     "{}: {} '{}' holds {} nested deeper than a safetensors header can", path,
                     metadata ? "metadata" : "tensor", name, json_kind(event));
        if (depth == 1 && event == E::key) {
            name = parsed.get<std::string>();
            keys.clear();
            GLULAB_CHECK(name != "__metadata__" || !metadata_seen, "a header has one metadata map",
                         "{}: __metadata__ is listed twice", path);
            return true;
        }
        if (depth == 1 && event == E::array_start) {  // an entry or the metadata as a list
            GLULAB_CHECK(!metadata, "__metadata__ maps strings to strings", "{}: __metadata__ is not a JSON object",
                         path);
            GLULAB_CHECK(false, "each entry is {\"dtype\": ..., \"shape\": [...], \"data_offsets\": [b, e]}",
                         "{}: entry '{}' is not a JSON object", path, name);
        }
        if (depth == 2 && event == E::key) {
            key = parsed.get<std::string>();
            list_values = 0;
            GLULAB_CHECK(keys.insert(key).second, "each key appears once",
                         "{}: {} '{}' lists '{}' twice", path, metadata ? "metadata" : "tensor", name, key);
            if (metadata) {
                GLULAB_CHECK(keys.size() <= kMaxMetadataKeys, "glulab writes five metadata keys",
                             "{}: __metadata__ has more than {} keys", path, kMaxMetadataKeys);
            } else {
                GLULAB_CHECK(key == "dtype" || key == "shape" || key == "data_offsets",
                             "each entry is {\"dtype\": ..., \"shape\": [...], \"data_offsets\": [b, e]}",
                             "{}: tensor '{}' has an unknown key '{}'", path, name, key);
            }
            return true;
        }
        if (depth == 2 && starts) {  // a list or object as a metadata value, an entry's field
            GLULAB_CHECK(!metadata, "__metadata__ maps strings to strings; store JSON values as strings",
                         "{}: metadata '{}' is {}, not a string", path, key, json_kind(event));
            GLULAB_CHECK(event == E::array_start && key != "dtype", kSupported,
                         "{}: tensor '{}' has {} as its {}", path, name, json_kind(event), key);
            return true;
        }
        if (depth == 3 && event == E::value) {
            GLULAB_CHECK(++list_values <= 4, "glulab tensors have rank 1 to 4; data_offsets are [begin, end)",
                         "{}: tensor '{}' has a {} of more than 4 values", path, name, key);
            return true;
        }
        if (depth == 1 && (event == E::value || event == E::object_end)) {  // a member is complete
            if (metadata) {
                file.metadata = parse_metadata(path, parsed);
                metadata_seen = true;
            } else {
                Range r;
                file.tensors.push_back(parse_entry(path, name, parsed, data_bytes, &r));
                r.index = file.tensors.size() - 1;
                ranges.push_back(r);
            }
            return false;  // checked and kept elsewhere: drop it from the JSON
        }
        return true;
    }
};

}  // namespace

SafetensorsFile safetensors_read(const std::string& path) {
    std::error_code ec;
    const uint64_t file_bytes = std::filesystem::file_size(path, ec);
    GLULAB_CHECK(!ec, "check the path; checkpoints are written by `glulab train`",
                 "cannot open {}: {}", path, ec.message());
    std::ifstream in(path, std::ios::binary);
    GLULAB_CHECK(in.good(), "check the file's permissions", "cannot open {}", path);
    GLULAB_CHECK(file_bytes >= 8, "a safetensors file starts with an 8-byte header length",
                 "{} is {} bytes long: too short to be a safetensors file", path, file_bytes);

    unsigned char length[8];
    in.read(reinterpret_cast<char*>(length), 8);
    uint64_t header_bytes = 0;
    for (int i = 0; i < 8; i++) header_bytes |= static_cast<uint64_t>(length[i]) << (8 * i);
    GLULAB_CHECK(header_bytes <= file_bytes - 8 && header_bytes <= kMaxHeaderBytes,
                 "the file is truncated or not a safetensors file",
                 "{}: header length {} does not fit a {}-byte file", path, header_bytes,
                 file_bytes);
    const uint64_t data_start = 8 + header_bytes;
    const uint64_t data_bytes = file_bytes - data_start;

    std::string text(header_bytes, '\0');
    in.read(text.data(), static_cast<std::streamsize>(header_bytes));
    GLULAB_CHECK(in.good(), "", "{}: could not read the {}-byte header", path, header_bytes);
    SafetensorsFile file;
    file.path = path;
    std::vector<Range> ranges;
    // Room for every entry at once (each has a "data_offsets" key; one spelled with escapes
    // only costs a reallocation), so the list never holds its entries twice while it grows.
    size_t entries = 0;
    for (size_t at = text.find("\"data_offsets\""); at != std::string::npos; at = text.find("\"data_offsets\"", at + 1))
        entries++;
    file.tensors.reserve(entries);
    ranges.reserve(entries);
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(text, HeaderReader{.path = path, .data_bytes = data_bytes, .file = file,
                                                          .ranges = ranges, .name = {}, .key = {}, .keys = {}});
    } catch (const nlohmann::json::exception& e) {  // parse_error, out_of_range (1e400), ...
        GLULAB_CHECK(false, "the file is corrupt or not a safetensors file",
                     "{}: header is not valid JSON: {}", path, e.what());
    }
    GLULAB_CHECK(header.is_object(), "the header maps tensor names to entries",
                 "{}: header is JSON but not an object", path);
    std::string().swap(text);  // the header is read: its text is no longer needed

    // Each name once: JSON allows a key twice (a parser keeps the last), a header does not.
    std::vector<size_t> by_name(file.tensors.size());
    for (size_t i = 0; i < by_name.size(); i++) by_name[i] = i;
    std::sort(by_name.begin(), by_name.end(),
              [&](size_t a, size_t b) { return file.tensors[a].name < file.tensors[b].name; });
    for (size_t i = 1; i < by_name.size(); i++)
        GLULAB_CHECK(file.tensors[by_name[i]].name != file.tensors[by_name[i - 1]].name,
                     "each tensor needs its own name", "{}: tensor '{}' is listed twice", path,
                     file.tensors[by_name[i]].name);
    std::vector<size_t>().swap(by_name);

    // Every byte of the data section belongs to exactly one tensor, as in the reference
    // implementation: sorted by start, each non-empty range begins where the one before ended
    // (a gap is bytes no tensor owns, an overlap bytes two tensors share), the first at 0 and
    // the last at the end of the section (bytes after it mean the file is not what its header
    // says: appended to, or two files run together).
    std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    uint64_t used = 0;  // the end of the last non-empty range so far
    const Range* last = nullptr;
    for (const Range& r : ranges) {
        if (r.begin == r.end) continue;  // empty tensors occupy no bytes
        GLULAB_CHECK(!last || r.begin >= last->end, "each tensor needs its own bytes",
                     "{}: tensors '{}' [{}, {}] and '{}' [{}, {}] overlap", path,
                     file.tensors[last->index].name, last->begin, last->end,
                     file.tensors[r.index].name, r.begin, r.end);
        GLULAB_CHECK(r.begin == used, "every byte of the data section belongs to one tensor",
                     "{}: bytes [{}, {}) of the data section belong to no tensor (the next, '{}', starts at {})",
                     path, used, r.begin, file.tensors[r.index].name, r.begin);
        used = r.end;
        last = &r;
    }
    GLULAB_CHECK(used == data_bytes, "the file was changed after it was written",
                 "{}: {} bytes after the last tensor's data (the data section is {} bytes, the "
                 "tensors use {})", path, data_bytes - used, data_bytes, used);

    // The header is sound: copy the data, tensor by tensor, in file order.
    std::vector<SafetensorsTensor> ordered;
    ordered.reserve(ranges.size());
    for (const Range& r : ranges) {
        SafetensorsTensor& t = ordered.emplace_back(std::move(file.tensors[r.index]));
        char* dst;
        if (t.dtype == DType::F32) {
            t.f32.resize(static_cast<size_t>(t.numel()));
            dst = reinterpret_cast<char*>(t.f32.data());
        } else if (t.dtype == DType::I32) {
            t.i32.resize(static_cast<size_t>(t.numel()));
            dst = reinterpret_cast<char*>(t.i32.data());
        } else {
            t.i8.resize(static_cast<size_t>(t.numel()));
            dst = reinterpret_cast<char*>(t.i8.data());
        }
        in.seekg(static_cast<std::streamoff>(data_start + r.begin));
        in.read(dst, static_cast<std::streamsize>(r.end - r.begin));
        GLULAB_CHECK(in.good(), "was the file changed while it was read?",
                     "{}: could not read the data of tensor '{}'", path, t.name);
    }
    file.tensors = std::move(ordered);
    return file;
}

// Lookup
// ------

const SafetensorsTensor* SafetensorsFile::find(const std::string& name) const {
    for (const SafetensorsTensor& t : tensors)
        if (t.name == name) return &t;
    return nullptr;
}

const SafetensorsTensor& SafetensorsFile::at(const std::string& name) const {
    const SafetensorsTensor* t = find(name);
    GLULAB_CHECK(t, "was the file written for another model configuration?",
                 "{} has no tensor '{}' ({} tensors)", path, name, tensors.size());
    return *t;
}

const SafetensorsTensor& SafetensorsFile::typed(const std::string& name, Shape shape, DType dtype) const {
    const SafetensorsTensor& t = at(name);
    GLULAB_CHECK(t.dtype == dtype && t.shape == shape, "was the file written for another model configuration?",
                 "{}: tensor '{}' is {} {}, expected {} {}", path, name, dtype_name(t.dtype), t.shape,
                 dtype_name(dtype), shape);
    return t;
}

const std::vector<float>& SafetensorsFile::f32(const std::string& name, Shape shape) const {
    return typed(name, shape, DType::F32).f32;
}
const std::vector<int32_t>& SafetensorsFile::i32(const std::string& name, Shape shape) const {
    return typed(name, shape, DType::I32).i32;
}
const std::vector<int8_t>& SafetensorsFile::i8(const std::string& name, Shape shape) const {
    return typed(name, shape, DType::I8).i8;
}

const std::string& SafetensorsFile::meta(const std::string& key) const {
    auto it = metadata.find(key);
    GLULAB_CHECK(it != metadata.end(), "was the file written by glulab?",
                 "{} has no metadata '{}'", path, key);
    return it->second;
}

}  // namespace glulab
