// Benchmark probe (not the product's path): the ungrouped work of schema/infer/jsonl/scanner.ts in Rust,
// as a Node addon (and as WebAssembly), to learn what a native core would buy. Same reading, same rules, same results:
//   - a line is a record iff JSON.parse accepts it and it is an object (within the scanner's limits:
//     maxDepth 100, maxRecordBytes 16 MiB, maxFieldsPerObject 10,000, maxColumns 100,000);
//   - every value is typed into a tree joined on the lattice of schema/lattice.ts (the subset JSON lines
//     can produce: null, boolean, bigint, decimal(p,0), double, string, array, struct);
//   - keys are one field up to case (JS toLowerCase), the smallest spelling is kept, a field's position
//     is the smallest index it was seen at, its line the one that last changed its shape;
//   - a corrupt record's changes are undone (an undo log, as TreeEdits keeps).
// Not done here (the JS scanner still does them): streaming chunks (the caller passes whole lines),
// the UTF-16 sniff, detectTemporal, grouping and statistics.
// The result goes back as one JSON string (the tree is small); bench/native-core/index.ts builds the
// InferenceResult from it with the same field()/canonicalFields() the JS scanner ends with.
mod scan;

/// Node addon (N-API): `inferJsonLines(bytes, firstLine)` returns the JSON answer.
#[cfg(not(target_arch = "wasm32"))]
mod node {
    use napi::bindgen_prelude::Uint8Array;
    use napi_derive::napi;

    #[napi]
    pub fn infer_json_lines(bytes: Uint8Array, first_line: u32) -> String {
        super::scan::infer_json_lines(&bytes, first_line)
    }
}

/// WebAssembly (wasm32-unknown-unknown, no bindings crate): the caller copies the bytes into memory from
/// `alloc`, calls `infer`, and reads the answer (UTF-8) at `answer_ptr` / `answer_len`.
#[cfg(target_arch = "wasm32")]
mod wasm {
    static mut ANSWER: String = String::new();

    #[no_mangle]
    pub extern "C" fn alloc(len: usize) -> *mut u8 {
        let mut v = Vec::<u8>::with_capacity(len);
        let p = v.as_mut_ptr();
        std::mem::forget(v);
        p
    }

    #[no_mangle]
    pub unsafe extern "C" fn dealloc(ptr: *mut u8, len: usize) {
        drop(Vec::from_raw_parts(ptr, 0, len));
    }

    #[no_mangle]
    pub unsafe extern "C" fn infer(ptr: *const u8, len: usize, first_line: u32) {
        let data = std::slice::from_raw_parts(ptr, len);
        ANSWER = super::scan::infer_json_lines(data, first_line);
    }

    #[no_mangle]
    pub unsafe extern "C" fn answer_ptr() -> *const u8 {
        (&*std::ptr::addr_of!(ANSWER)).as_ptr()
    }

    #[no_mangle]
    pub unsafe extern "C" fn answer_len() -> usize {
        (&*std::ptr::addr_of!(ANSWER)).len()
    }
}
