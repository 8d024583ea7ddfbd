// The scanner of the native-core probe (see lib.rs): pure Rust, no Node, no I/O.
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

const NL: u8 = b'\n';
const QUOTE: u8 = b'"';
const BACKSLASH: u8 = b'\\';
const NONE: u32 = u32::MAX;

const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;
const MAX_DEPTH: u32 = 100;
const MAX_FIELDS_PER_OBJECT: usize = 10_000;
const MAX_COLUMNS: usize = 100_000;
const MAX_CORRUPT_SAMPLES: usize = 20;

/// FxHash: key bytes are short and compared on a hit, so a cheap multiplicative hash is enough.
#[derive(Default)]
struct Fx(u64);
impl Hasher for Fx {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            h = (h.rotate_left(5) ^ u64::from_le_bytes(c.try_into().unwrap())).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
        for &b in chunks.remainder() {
            h = (h.rotate_left(5) ^ b as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
        self.0 = h;
    }
    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}
type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// The types a JSON value can be typed as (schema/types.ts, the JSON-lines subset).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ty {
    Null,
    Boolean,
    Bigint,
    /// decimal(p, 0): an integer past int64 (JSON literals never give a scale)
    Decimal(u8),
    Double,
    String,
    Array,
    Struct,
}

/// joinTypes of schema/lattice.ts, for the types above.
fn join(a: Ty, b: Ty) -> Ty {
    use Ty::*;
    match (a, b) {
        (Null, t) | (t, Null) => t,
        (String, _) | (_, String) => String,
        (Decimal(p), Decimal(q)) => Decimal(p.max(q)),
        (x, y) if x == y => x,
        (Bigint, Decimal(p)) | (Decimal(p), Bigint) => Decimal(p.max(20)),
        (Bigint | Decimal(_) | Double, Bigint | Decimal(_) | Double) => Double,
        _ => String,
    }
}

struct Node {
    ty: Ty,
    line: u32,
    element: u32,
    strukt: u32,
}

struct Field {
    name: Vec<u16>,
    position: u32,
    node: u32,
}

/// A key spelling: its bytes and closing quote (compared eight bytes at a time), and the field it is.
struct Spelling {
    bytes: Box<[u8]>,
    field: u32,
    hash: u32,
    next: u32,
}

#[derive(Default)]
struct Struct {
    /// Field ids in the order they were made (undo pops the last).
    fields: Vec<u32>,
    by_key: FxMap<Vec<u16>, u32>,
    /// Key spellings without escapes, found by the hash of their bytes (chained through Spelling::next).
    spellings: Vec<Spelling>,
    table: Vec<u32>,
    /// The spelling last seen at each position: a guess, checked against the bytes.
    slots: Vec<u32>,
}

impl Struct {
    /// The spelling whose bytes and closing quote are buf[start, start + m), whose key_hash is `hash`.
    #[inline(always)]
    fn find(&self, buf: &[u8], start: usize, m: usize, hash: u32) -> u32 {
        if self.table.is_empty() {
            return NONE;
        }
        let mut sp = self.table[hash as usize & (self.table.len() - 1)];
        while sp != NONE {
            let s = &self.spellings[sp as usize];
            if s.hash == hash && s.bytes.len() == m && key_eq(buf, start, &s.bytes) {
                return sp;
            }
            sp = s.next;
        }
        NONE
    }

    fn add(&mut self, bytes: Box<[u8]>, field: u32) -> u32 {
        let hash = key_hash(&bytes);
        let sp = self.spellings.len() as u32;
        self.spellings.push(Spelling { bytes, field, hash, next: NONE });
        if self.spellings.len() * 2 > self.table.len() {
            self.table = vec![NONE; (self.table.len() * 2).max(16)];
            for i in 0..self.spellings.len() {
                self.link(i as u32);
            }
        } else {
            self.link(sp);
        }
        sp
    }

    fn link(&mut self, sp: u32) {
        let at = self.spellings[sp as usize].hash as usize & (self.table.len() - 1);
        self.spellings[sp as usize].next = self.table[at];
        self.table[at] = sp;
    }

    /// Removes the spelling added last (undo runs last-in first-out).
    fn remove_last(&mut self) {
        let sp = (self.spellings.len() - 1) as u32;
        let at = self.spellings[sp as usize].hash as usize & (self.table.len() - 1);
        let next = self.spellings[sp as usize].next;
        if self.table[at] == sp {
            self.table[at] = next;
        } else {
            let mut s = self.table[at];
            while s != NONE {
                if self.spellings[s as usize].next == sp {
                    self.spellings[s as usize].next = next;
                    break;
                }
                s = self.spellings[s as usize].next;
            }
        }
        self.spellings.pop();
    }
}

/// A key's bytes and closing quote hashed eight bytes at a time.
#[inline(always)]
fn key_hash(k: &[u8]) -> u32 {
    const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
    let mut h = (k.len() as u64).wrapping_mul(K);
    let mut i = 0;
    while i + 8 <= k.len() {
        h = (h.rotate_left(5) ^ load64(k, i)).wrapping_mul(K);
        i += 8;
    }
    let mut w = 0u64;
    for (j, &b) in k[i..].iter().enumerate() {
        w |= (b as u64) << (8 * j);
    }
    h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    (h >> 32) as u32
}

#[inline(always)]
fn load64(b: &[u8], i: usize) -> u64 {
    debug_assert!(i + 8 <= b.len());
    unsafe { std::ptr::read_unaligned(b.as_ptr().add(i) as *const u64) }
}

#[inline(always)]
fn load32(b: &[u8], i: usize) -> u32 {
    debug_assert!(i + 4 <= b.len());
    unsafe { std::ptr::read_unaligned(b.as_ptr().add(i) as *const u32) }
}

/// Whether buf[start, start + key.len()) is `key`; the caller checked that buf has the room.
#[inline(always)]
fn key_eq(buf: &[u8], start: usize, key: &[u8]) -> bool {
    let m = key.len();
    debug_assert!(start + m <= buf.len());
    let b = &buf[start..start + m];
    if m >= 8 {
        let mut i = 0;
        while i + 8 < m {
            if load64(b, i) != load64(key, i) {
                return false;
            }
            i += 8;
        }
        load64(b, m - 8) == load64(key, m - 8)
    } else if m >= 4 {
        load32(b, 0) == load32(key, 0) && load32(b, m - 4) == load32(key, m - 4)
    } else {
        b == key
    }
}

enum Undo {
    Node { node: u32, ty: Ty, line: u32, element: u32, strukt: u32 },
    NewField { strukt: u32, key: Vec<u16> },
    NewSpelling { strukt: u32 },
    Rename { field: u32, old: Vec<u16> },
    Move { field: u32, old: u32 },
}

#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Err {
    None = 0,
    Token = 1,
    ControlChar = 3,
    BadEscape = 4,
    BadUnicodeEscape = 5,
    Depth = 6,
    Fields = 7,
}

#[inline(always)]
fn is_ws(c: u8) -> bool {
    c == b' ' || c == b'\t' || c == b'\r'
}
#[inline(always)]
fn is_digit(c: u8) -> bool {
    c.is_ascii_digit()
}
#[inline(always)]
fn is_hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

struct Scanner<'a> {
    buf: &'a [u8],
    nodes: Vec<Node>,
    fields: Vec<Field>,
    structs: Vec<Struct>,
    undo: Vec<Undo>,
    columns: usize,
    columns_at_record: usize,
    line: u32,
    records: u64,
    corrupt: u64,
    /// [line, what, byte, at, detail]: formatted by index.ts with bytes.ts's messages.
    samples: Vec<(u32, i32, u8, usize, String)>,
    err: Err,
    err_pos: usize,
    /// The key and limit behind Err::Fields.
    field_limit: (Vec<u16>, usize, bool),
    saw_escape: bool,
    num_digits_start: usize,
    num_digits: usize,
    num_is_integer: bool,
    stack: Vec<bool>,
}

/// The byte at i. Every caller reads at most up to the "\n" ending the current line (each loop stops on
/// it: it is never whitespace, a digit, or allowed in a string), and every region scanned ends with one.
macro_rules! at {
    ($buf:expr, $i:expr) => {{
        let i: usize = $i;
        debug_assert!(i < $buf.len());
        unsafe { *$buf.get_unchecked(i) }
    }};
}

impl<'a> Scanner<'a> {
    fn new(first_line: u32) -> Self {
        let mut s = Scanner {
            buf: &[],
            nodes: Vec::new(),
            fields: Vec::new(),
            structs: Vec::new(),
            undo: Vec::new(),
            columns: 0,
            columns_at_record: 0,
            line: first_line,
            records: 0,
            corrupt: 0,
            samples: Vec::new(),
            err: Err::None,
            err_pos: 0,
            field_limit: (Vec::new(), 0, false),
            saw_escape: false,
            num_digits_start: 0,
            num_digits: 0,
            num_is_integer: true,
            stack: Vec::new(),
        };
        s.structs.push(Struct::default()); // the root
        s
    }

    fn fail(&mut self, pos: usize, err: Err) -> isize {
        if self.err == Err::None {
            self.err = err;
            self.err_pos = pos;
        }
        -1
    }

    fn record_corrupt(&mut self, what: i32, byte: u8, at: usize, detail: String) {
        self.corrupt += 1;
        if self.samples.len() < MAX_CORRUPT_SAMPLES {
            self.samples.push((self.line, what, byte, at, detail));
        }
    }

    fn corrupt_long_line(&mut self) {
        self.record_corrupt(-2, 0, 0, String::new());
    }

    fn corrupt_error(&mut self, line_start: usize) {
        let detail = if self.err == Err::Fields { fields_detail(&self.field_limit) } else { String::new() };
        let byte = at!(self.buf, self.err_pos);
        self.record_corrupt(self.err as i32, byte, self.err_pos - line_start, detail);
    }

    fn rollback(&mut self) {
        while let Some(u) = self.undo.pop() {
            match u {
                Undo::Node { node, ty, line, element, strukt } => {
                    let n = &mut self.nodes[node as usize];
                    n.ty = ty;
                    n.line = line;
                    n.element = element;
                    n.strukt = strukt;
                }
                Undo::NewField { strukt, key } => {
                    let s = &mut self.structs[strukt as usize];
                    s.fields.pop();
                    s.by_key.remove(&key);
                }
                Undo::NewSpelling { strukt } => self.structs[strukt as usize].remove_last(),
                Undo::Rename { field, old } => self.fields[field as usize].name = old,
                Undo::Move { field, old } => self.fields[field as usize].position = old,
            }
        }
        self.columns = self.columns_at_record;
    }

    /// Complete lines in buf, which ends with "\n".
    fn scan_region(&mut self, buf: &'a [u8]) {
        self.buf = buf;
        let end = buf.len();
        let mut pos = 0usize;
        while pos < end {
            let line_start = pos;
            let mut c = at!(buf, pos);
            while is_ws(c) {
                pos += 1;
                c = at!(buf, pos);
            }
            if c == NL {
                if pos - line_start > MAX_RECORD_BYTES {
                    self.corrupt_long_line();
                }
                pos += 1;
                self.line += 1;
                continue;
            }
            if c == b'{' {
                let p = self.parse_record(pos);
                if p >= 0 {
                    let p = p as usize;
                    if p - line_start > MAX_RECORD_BYTES {
                        self.rollback();
                        self.corrupt_long_line();
                    } else {
                        self.records += 1;
                        self.undo.clear();
                    }
                    pos = p + 1;
                    self.line += 1;
                    continue;
                }
                self.rollback();
                let nl = pos + memchr_nl(&buf[pos..]);
                if nl - line_start > MAX_RECORD_BYTES {
                    self.corrupt_long_line();
                } else {
                    self.corrupt_error(line_start);
                }
                pos = nl + 1;
            } else {
                let nl = pos + memchr_nl(&buf[pos..]);
                if nl - line_start > MAX_RECORD_BYTES {
                    self.corrupt_long_line();
                } else {
                    self.describe_top_level(pos, line_start);
                }
                pos = nl + 1;
            }
            self.line += 1;
        }
    }

    fn describe_top_level(&mut self, pos: usize, line_start: usize) {
        let buf = self.buf;
        self.err = Err::None;
        let p = self.skip_value(pos, u32::MAX);
        if p >= 0 {
            let mut p = p as usize;
            let mut c = at!(buf, p);
            while is_ws(c) {
                p += 1;
                c = at!(buf, p);
            }
            if c == NL {
                let first = at!(buf, pos);
                self.record_corrupt(-1, first, 0, String::new());
                return;
            }
            self.fail(p, Err::Token);
        }
        self.corrupt_error(line_start);
    }

    fn parse_record(&mut self, pos: usize) -> isize {
        let buf = self.buf;
        self.err = Err::None;
        self.columns_at_record = self.columns;
        let p = self.parse_object(0, pos, 1);
        if p < 0 {
            return -1;
        }
        let mut p = p as usize;
        let mut c = at!(buf, p);
        while is_ws(c) {
            p += 1;
            c = at!(buf, p);
        }
        if c == NL {
            p as isize
        } else {
            self.fail(p, Err::Token)
        }
    }

    /// pos at "{"; returns the position after "}" or -1.
    fn parse_object(&mut self, s: u32, mut pos: usize, depth: u32) -> isize {
        let buf = self.buf;
        pos += 1;
        let mut c = at!(buf, pos);
        while is_ws(c) {
            pos += 1;
            c = at!(buf, pos);
        }
        if c == b'}' {
            return (pos + 1) as isize;
        }
        let mut index: u32 = 0;
        loop {
            if c != QUOTE {
                return self.fail(pos, Err::Token);
            }
            let key_start = pos + 1;
            let mut f = NONE;
            // the key last seen at this position, compared by its bytes and closing quote
            {
                let st = &self.structs[s as usize];
                if let Some(&sp) = st.slots.get(index as usize) {
                    if let Some(known) = st.spellings.get(sp as usize) {
                        let m = known.bytes.len();
                        if buf.len() >= key_start + m && key_eq(buf, key_start, &known.bytes) {
                            f = known.field;
                            pos = key_start + m;
                        }
                    }
                }
            }
            if f == NONE {
                // not the key last seen here: find its end, then look its bytes up
                let p = key_start + plain_run(buf, key_start);
                if at!(buf, p) == QUOTE {
                    let st = &mut self.structs[s as usize];
                    let key = &buf[key_start..p + 1];
                    let sp = st.find(buf, key_start, key.len(), key_hash(key));
                    if sp != NONE {
                        f = st.spellings[sp as usize].field;
                        set_slot(st, index, sp);
                        pos = p + 1;
                    }
                }
            }
            if f != NONE {
                if index < self.fields[f as usize].position {
                    let old = self.fields[f as usize].position;
                    self.undo.push(Undo::Move { field: f, old });
                    self.fields[f as usize].position = index;
                }
            } else {
                self.saw_escape = false;
                let end = self.scan_string(key_start);
                if end < 0 {
                    return -1;
                }
                pos = end as usize;
                let raw = &buf[key_start..pos - 1];
                let escaped = self.saw_escape;
                let spelling = if escaped { decode_json_string(raw) } else { utf16_of_utf8(raw) };
                f = self.lookup_field(s, index, spelling, if escaped { None } else { Some(raw) });
                if f == NONE {
                    return self.fail(key_start - 1, Err::Fields);
                }
            }
            c = at!(buf, pos);
            while is_ws(c) {
                pos += 1;
                c = at!(buf, pos);
            }
            if c != b':' {
                return self.fail(pos, Err::Token);
            }
            pos += 1;
            c = at!(buf, pos);
            while is_ws(c) {
                pos += 1;
                c = at!(buf, pos);
            }
            let node = self.fields[f as usize].node;
            let p = self.parse_value(node, pos, depth);
            if p < 0 {
                return -1;
            }
            pos = p as usize;
            c = at!(buf, pos);
            while is_ws(c) {
                pos += 1;
                c = at!(buf, pos);
            }
            if c == b',' {
                pos += 1;
                c = at!(buf, pos);
                while is_ws(c) {
                    pos += 1;
                    c = at!(buf, pos);
                }
                index += 1;
                continue;
            }
            if c == b'}' {
                return (pos + 1) as isize;
            }
            return self.fail(pos, Err::Token);
        }
    }

    /// TreeEdits.lookupField: the field for a key its slot did not match; made on first sight unless a limit says no (NONE).
    fn lookup_field(&mut self, s: u32, index: u32, spelling: Vec<u16>, raw: Option<&[u8]>) -> u32 {
        let key = lower_utf16(&spelling);
        let st = &self.structs[s as usize];
        let f = match st.by_key.get(&key) {
            Some(&f) => {
                if spelling < self.fields[f as usize].name {
                    let old = std::mem::replace(&mut self.fields[f as usize].name, spelling);
                    self.undo.push(Undo::Rename { field: f, old });
                }
                if index < self.fields[f as usize].position {
                    let old = self.fields[f as usize].position;
                    self.undo.push(Undo::Move { field: f, old });
                    self.fields[f as usize].position = index;
                }
                f
            }
            None => {
                if st.by_key.len() >= MAX_FIELDS_PER_OBJECT {
                    self.field_limit = (spelling, MAX_FIELDS_PER_OBJECT, true);
                    return NONE;
                }
                if self.columns >= MAX_COLUMNS {
                    self.field_limit = (spelling, MAX_COLUMNS, false);
                    return NONE;
                }
                self.columns += 1;
                let node = self.nodes.len() as u32;
                self.nodes.push(Node { ty: Ty::Null, line: self.line, element: NONE, strukt: NONE });
                let f = self.fields.len() as u32;
                self.fields.push(Field { name: spelling, position: index, node });
                let st = &mut self.structs[s as usize];
                st.fields.push(f);
                st.by_key.insert(key.clone(), f);
                self.undo.push(Undo::NewField { strukt: s, key });
                f
            }
        };
        let st = &mut self.structs[s as usize];
        match raw {
            Some(raw) => {
                let sp = st.add([raw, &[QUOTE][..]].concat().into_boxed_slice(), f);
                set_slot(st, index, sp);
                self.undo.push(Undo::NewSpelling { strukt: s });
            }
            None => set_slot(st, index, NONE),
        }
        f
    }

    /// pos at an array's "[".
    fn parse_array(&mut self, element: u32, mut pos: usize, depth: u32) -> isize {
        let buf = self.buf;
        pos += 1;
        let mut c = at!(buf, pos);
        while is_ws(c) {
            pos += 1;
            c = at!(buf, pos);
        }
        if c == b']' {
            return (pos + 1) as isize;
        }
        loop {
            let p = self.parse_value(element, pos, depth);
            if p < 0 {
                return -1;
            }
            pos = p as usize;
            c = at!(buf, pos);
            while is_ws(c) {
                pos += 1;
                c = at!(buf, pos);
            }
            if c == b',' {
                pos += 1;
                c = at!(buf, pos);
                while is_ws(c) {
                    pos += 1;
                    c = at!(buf, pos);
                }
                continue;
            }
            if c == b']' {
                return (pos + 1) as isize;
            }
            return self.fail(pos, Err::Token);
        }
    }

    /// Widen node to hold a value of type t (TreeEdits.observe).
    fn observe(&mut self, node: u32, t: Ty) {
        let n = &self.nodes[node as usize];
        let joined = join(n.ty, t);
        if joined == n.ty {
            return;
        }
        self.undo.push(Undo::Node { node, ty: n.ty, line: n.line, element: n.element, strukt: n.strukt });
        let line = self.line;
        let (element, strukt) = (n.element, n.strukt);
        let (element, strukt) = match joined {
            Ty::Array => {
                let e = if element == NONE {
                    self.nodes.push(Node { ty: Ty::Null, line, element: NONE, strukt: NONE });
                    (self.nodes.len() - 1) as u32
                } else {
                    element
                };
                (e, strukt)
            }
            Ty::Struct => {
                let s = if strukt == NONE {
                    self.structs.push(Struct::default());
                    (self.structs.len() - 1) as u32
                } else {
                    strukt
                };
                (element, s)
            }
            _ => (NONE, NONE),
        };
        let n = &mut self.nodes[node as usize];
        n.ty = joined;
        n.line = line;
        n.element = element;
        n.strukt = strukt;
    }

    fn parse_value(&mut self, node: u32, pos: usize, depth: u32) -> isize {
        let buf = self.buf;
        let c = at!(buf, pos);
        let ty = self.nodes[node as usize].ty;
        match c {
            QUOTE => {
                let end = self.scan_string(pos + 1);
                if end >= 0 && ty != Ty::String {
                    self.observe(node, Ty::String);
                }
                end
            }
            b'{' => {
                if depth >= MAX_DEPTH {
                    return self.fail(pos, Err::Depth);
                }
                if self.nodes[node as usize].strukt == NONE {
                    if ty != Ty::String {
                        self.observe(node, Ty::Struct);
                    }
                    if self.nodes[node as usize].strukt == NONE {
                        return self.skip_value(pos, MAX_DEPTH - depth);
                    }
                }
                let s = self.nodes[node as usize].strukt;
                self.parse_object(s, pos, depth + 1)
            }
            b'[' => {
                if depth >= MAX_DEPTH {
                    return self.fail(pos, Err::Depth);
                }
                if self.nodes[node as usize].element == NONE {
                    if ty != Ty::String {
                        self.observe(node, Ty::Array);
                    }
                    if self.nodes[node as usize].element == NONE {
                        return self.skip_value(pos, MAX_DEPTH - depth);
                    }
                }
                let e = self.nodes[node as usize].element;
                self.parse_array(e, pos, depth + 1)
            }
            b't' => {
                if at!(buf, pos + 1) != b'r' || at!(buf, pos + 2) != b'u' || at!(buf, pos + 3) != b'e' {
                    return self.fail_literal(pos, b"true");
                }
                if ty != Ty::Boolean {
                    self.observe(node, Ty::Boolean);
                }
                (pos + 4) as isize
            }
            b'f' => {
                if at!(buf, pos + 1) != b'a' || at!(buf, pos + 2) != b'l' || at!(buf, pos + 3) != b's' || at!(buf, pos + 4) != b'e' {
                    return self.fail_literal(pos, b"false");
                }
                if ty != Ty::Boolean {
                    self.observe(node, Ty::Boolean);
                }
                (pos + 5) as isize
            }
            b'n' => {
                if at!(buf, pos + 1) != b'u' || at!(buf, pos + 2) != b'l' || at!(buf, pos + 3) != b'l' {
                    return self.fail_literal(pos, b"null");
                }
                (pos + 4) as isize
            }
            _ => {
                let end = self.number_end(pos);
                if end < 0 {
                    return -1;
                }
                if ty != Ty::String {
                    let t = if !self.num_is_integer {
                        Ty::Double
                    } else if self.num_digits < 19 {
                        Ty::Bigint
                    } else {
                        self.integer_type()
                    };
                    if ty != t {
                        self.observe(node, t);
                    }
                }
                end
            }
        }
    }

    /// integerLiteralType for an integer of 19 digits or more.
    fn integer_type(&self) -> Ty {
        let d = self.num_digits;
        if d == 19 {
            let negative = self.num_digits_start > 0 && at!(self.buf, self.num_digits_start - 1) == b'-';
            let limit: &[u8] = if negative { b"9223372036854775808" } else { b"9223372036854775807" };
            if &self.buf[self.num_digits_start..self.num_digits_start + 19] <= limit {
                return Ty::Bigint;
            }
        }
        if d <= 38 {
            Ty::Decimal(d as u8)
        } else {
            Ty::Double
        }
    }

    /// pos just after the opening quote; returns the position after the closing quote or -1.
    #[inline]
    fn scan_string(&mut self, mut pos: usize) -> isize {
        let buf = self.buf;
        loop {
            pos += plain_run(buf, pos);
            let c = at!(buf, pos);
            if c == QUOTE {
                return (pos + 1) as isize;
            }
            if c == BACKSLASH {
                self.saw_escape = true;
                let e = at!(buf, pos + 1);
                if e == b'u' {
                    for i in 2..6 {
                        if !is_hex(at!(buf, pos + i)) {
                            return self.fail(pos + i, Err::BadUnicodeEscape);
                        }
                    }
                    pos += 6;
                } else if matches!(e, QUOTE | BACKSLASH | b'/' | b'b' | b'f' | b'n' | b'r' | b't') {
                    pos += 2;
                } else {
                    return self.fail(pos + 1, Err::BadEscape);
                }
                continue;
            }
            return self.fail(pos, Err::ControlChar);
        }
    }

    fn number_end(&mut self, mut pos: usize) -> isize {
        let buf = self.buf;
        let mut c = at!(buf, pos);
        if c == b'-' {
            pos += 1;
            c = at!(buf, pos);
        }
        let digits_start = pos;
        if c == b'0' {
            pos += 1;
            c = at!(buf, pos);
        } else if (b'1'..=b'9').contains(&c) {
            loop {
                pos += 1;
                c = at!(buf, pos);
                if !is_digit(c) {
                    break;
                }
            }
        } else {
            return self.fail(pos, Err::Token);
        }
        self.num_digits_start = digits_start;
        self.num_digits = pos - digits_start;
        self.num_is_integer = true;
        if c == b'.' {
            self.num_is_integer = false;
            pos += 1;
            c = at!(buf, pos);
            if !is_digit(c) {
                return self.fail(pos, Err::Token);
            }
            loop {
                pos += 1;
                c = at!(buf, pos);
                if !is_digit(c) {
                    break;
                }
            }
        }
        if c == b'e' || c == b'E' {
            self.num_is_integer = false;
            pos += 1;
            c = at!(buf, pos);
            if c == b'+' || c == b'-' {
                pos += 1;
                c = at!(buf, pos);
            }
            if !is_digit(c) {
                return self.fail(pos, Err::Token);
            }
            loop {
                pos += 1;
                c = at!(buf, pos);
                if !is_digit(c) {
                    break;
                }
            }
        }
        pos as isize
    }

    fn fail_literal(&mut self, pos: usize, literal: &[u8]) -> isize {
        for i in 1..literal.len() {
            if at!(self.buf, pos + i) != literal[i] {
                return self.fail(pos + i, Err::Token);
            }
        }
        self.fail(pos, Err::Token)
    }

    /// Validate one value without typing it; room: levels of nesting it may have. Iterative.
    fn skip_value(&mut self, mut pos: usize, room: u32) -> isize {
        let buf = self.buf;
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        let r = 'outer: loop {
            let c = at!(buf, pos);
            let p: isize = if c == QUOTE {
                self.scan_string(pos + 1)
            } else if c == b'{' || c == b'[' {
                if stack.len() as u64 >= room as u64 {
                    break 'outer self.fail(pos, Err::Depth);
                }
                let is_object = c == b'{';
                pos += 1;
                let mut c = at!(buf, pos);
                while is_ws(c) {
                    pos += 1;
                    c = at!(buf, pos);
                }
                if c == (if is_object { b'}' } else { b']' }) {
                    (pos + 1) as isize
                } else {
                    stack.push(is_object);
                    if is_object {
                        let p = self.skip_key(pos);
                        if p < 0 {
                            break 'outer -1;
                        }
                        pos = p as usize;
                    }
                    continue;
                }
            } else if c == b't' {
                if at!(buf, pos + 1) == b'r' && at!(buf, pos + 2) == b'u' && at!(buf, pos + 3) == b'e' {
                    (pos + 4) as isize
                } else {
                    self.fail_literal(pos, b"true")
                }
            } else if c == b'f' {
                if at!(buf, pos + 1) == b'a' && at!(buf, pos + 2) == b'l' && at!(buf, pos + 3) == b's' && at!(buf, pos + 4) == b'e' {
                    (pos + 5) as isize
                } else {
                    self.fail_literal(pos, b"false")
                }
            } else if c == b'n' {
                if at!(buf, pos + 1) == b'u' && at!(buf, pos + 2) == b'l' && at!(buf, pos + 3) == b'l' {
                    (pos + 4) as isize
                } else {
                    self.fail_literal(pos, b"null")
                }
            } else {
                self.number_end(pos)
            };
            if p < 0 {
                break -1;
            }
            pos = p as usize;
            // a value ended: close containers until another value is expected
            loop {
                let Some(&in_object) = stack.last() else { break 'outer pos as isize };
                let mut c = at!(buf, pos);
                while is_ws(c) {
                    pos += 1;
                    c = at!(buf, pos);
                }
                if c == b',' {
                    pos += 1;
                    c = at!(buf, pos);
                    while is_ws(c) {
                        pos += 1;
                        c = at!(buf, pos);
                    }
                    if in_object {
                        let p = self.skip_key(pos);
                        if p < 0 {
                            break 'outer -1;
                        }
                        pos = p as usize;
                    }
                    break;
                }
                if c == (if in_object { b'}' } else { b']' }) {
                    pos += 1;
                    stack.pop();
                    continue;
                }
                break 'outer self.fail(pos, Err::Token);
            }
        };
        self.stack = stack;
        r
    }

    /// pos at a key's opening quote; returns the position of the value after the colon.
    fn skip_key(&mut self, pos: usize) -> isize {
        let buf = self.buf;
        if at!(buf, pos) != QUOTE {
            return self.fail(pos, Err::Token);
        }
        let p = self.scan_string(pos + 1);
        if p < 0 {
            return -1;
        }
        let mut pos = p as usize;
        let mut c = at!(buf, pos);
        while is_ws(c) {
            pos += 1;
            c = at!(buf, pos);
        }
        if c != b':' {
            return self.fail(pos, Err::Token);
        }
        pos += 1;
        c = at!(buf, pos);
        while is_ws(c) {
            pos += 1;
            c = at!(buf, pos);
        }
        pos as isize
    }

    // ---- output ----

    fn write_fields(&self, s: u32, out: &mut String) {
        out.push('[');
        for (i, &f) in self.structs[s as usize].fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let field = &self.fields[f as usize];
            out.push('[');
            write_utf16_json(&field.name, out);
            out.push_str(&format!(",{},{},", field.position, self.provenance_line(field.node)));
            self.write_type(field.node, out);
            out.push(']');
        }
        out.push(']');
    }

    /// The line that last changed a field's shape, looking through array elements.
    fn provenance_line(&self, node: u32) -> u32 {
        let mut line = self.nodes[node as usize].line;
        let mut n = self.nodes[node as usize].element;
        while n != NONE {
            line = line.max(self.nodes[n as usize].line);
            n = self.nodes[n as usize].element;
        }
        line
    }

    fn write_type(&self, node: u32, out: &mut String) {
        let n = &self.nodes[node as usize];
        if n.strukt != NONE {
            out.push_str("{\"struct\":");
            self.write_fields(n.strukt, out);
            out.push('}');
            return;
        }
        if n.element != NONE {
            out.push_str("{\"array\":");
            self.write_type(n.element, out);
            out.push('}');
            return;
        }
        match n.ty {
            Ty::Null => out.push_str("\"null\""),
            Ty::Boolean => out.push_str("\"boolean\""),
            Ty::Bigint => out.push_str("\"bigint\""),
            Ty::Double => out.push_str("\"double\""),
            Ty::String => out.push_str("\"string\""),
            Ty::Decimal(p) => out.push_str(&format!("{{\"decimal\":{}}}", p)),
            Ty::Array | Ty::Struct => unreachable!("shapes carry their children"),
        }
    }
}

#[inline(always)]
fn set_slot(st: &mut Struct, index: u32, sp: u32) {
    let i = index as usize;
    if i < st.slots.len() {
        st.slots[i] = sp;
    } else {
        st.slots.resize(i, NONE);
        st.slots.push(sp);
    }
}

/// How many bytes from pos are plain string content (not a quote, backslash or control character),
/// eight at a time while the buffer has room. The run always ends: the region ends with "\n".
#[inline(always)]
fn plain_run(buf: &[u8], start: usize) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut pos = start;
    while pos + 8 <= buf.len() {
        let x = u64::from_le_bytes(buf[pos..pos + 8].try_into().unwrap());
        let q = x ^ (LO * QUOTE as u64);
        let b = x ^ (LO * BACKSLASH as u64);
        // exact "some byte is below 0x20, a quote or a backslash" (a borrow only passes a byte that matched)
        let m = (x.wrapping_sub(LO * 0x20) & !x) | (q.wrapping_sub(LO) & !q) | (b.wrapping_sub(LO) & !b);
        let m = m & HI;
        if m != 0 {
            return pos + (m.trailing_zeros() / 8) as usize - start;
        }
        pos += 8;
    }
    loop {
        let c = at!(buf, pos);
        if c < 0x20 || c == QUOTE || c == BACKSLASH {
            return pos - start;
        }
        pos += 1;
    }
}

fn memchr_nl(bytes: &[u8]) -> usize {
    bytes.iter().position(|&b| b == NL).unwrap_or(bytes.len())
}

/// A key's bytes as TextDecoder gives them (invalid sequences as U+FFFD), in UTF-16 code units.
fn utf16_of_utf8(raw: &[u8]) -> Vec<u16> {
    String::from_utf8_lossy(raw).encode_utf16().collect()
}

/// The text of a JSON string's contents (already validated), as JSON.parse gives it: UTF-16, lone surrogates kept.
fn decode_json_string(raw: &[u8]) -> Vec<u16> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let start = i;
        while i < raw.len() && raw[i] != BACKSLASH {
            i += 1;
        }
        out.extend(String::from_utf8_lossy(&raw[start..i]).encode_utf16());
        if i >= raw.len() {
            break;
        }
        let e = raw[i + 1];
        i += 2;
        out.push(match e {
            b'b' => 8,
            b'f' => 12,
            b'n' => 10,
            b'r' => 13,
            b't' => 9,
            b'u' => {
                let h = std::str::from_utf8(&raw[i..i + 4]).unwrap();
                i += 4;
                u16::from_str_radix(h, 16).unwrap()
            }
            other => other as u16,
        });
    }
    out
}

/// fieldKey: JS toLowerCase.
fn lower_utf16(s: &[u16]) -> Vec<u16> {
    if s.iter().all(|&u| u < 0x80) {
        return s.iter().map(|&u| if (b'A' as u16..=b'Z' as u16).contains(&u) { u + 32 } else { u }).collect();
    }
    match String::from_utf16(s) {
        Ok(text) => text.to_lowercase().encode_utf16().collect(),
        Err(_) => {
            // lone surrogates stay as they are; the rest lowercased character by character
            let mut out = Vec::with_capacity(s.len());
            for r in char::decode_utf16(s.iter().copied()) {
                match r {
                    Ok(ch) => {
                        for l in ch.to_lowercase() {
                            let mut b = [0u16; 2];
                            out.extend_from_slice(l.encode_utf16(&mut b));
                        }
                    }
                    Err(e) => out.push(e.unpaired_surrogate()),
                }
            }
            out
        }
    }
}

fn write_utf16_json(s: &[u16], out: &mut String) {
    out.push('"');
    for &u in s {
        match u {
            0x22 => out.push_str("\\\""),
            0x5c => out.push_str("\\\\"),
            0x20..=0x7e => out.push(u as u8 as char),
            _ => out.push_str(&format!("\\u{:04x}", u)),
        }
    }
    out.push('"');
}

fn fields_detail(limit: &(Vec<u16>, usize, bool)) -> String {
    let mut s = String::new();
    s.push('[');
    write_utf16_json(&limit.0, &mut s);
    s.push_str(&format!(",{},{}]", limit.1, limit.2));
    s
}

fn result_json(sc: &Scanner) -> String {
    let mut out = String::with_capacity(4096);
    out.push_str(&format!("{{\"records\":{},\"corrupt\":{},\"lines\":{},\"samples\":[", sc.records, sc.corrupt, sc.line - 1));
    for (i, (line, what, byte, at, detail)) in sc.samples.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!("[{},{},{},{},{}]", line, what, byte, at, if detail.is_empty() { "null" } else { detail }));
    }
    out.push_str("],\"fields\":");
    sc.write_fields(0, &mut out);
    out.push('}');
    out
}

/// Infer the schema of the JSON lines in `bytes` (a last line without "\n" included), the first being
/// line `first_line`. Returns JSON: {records, corrupt, lines, samples: [[line, what, byte, at, detail]], fields}.
pub fn infer_json_lines(data: &[u8], first_line: u32) -> String {
    let whole = data.iter().rposition(|&b| b == NL).map_or(0, |i| i + 1);
    // a last line without "\n" is scanned from a copy that has one (every region ends with "\n")
    let tail: Vec<u8> = if whole < data.len() { [&data[whole..], &[NL][..]].concat() } else { Vec::new() };
    let mut sc = Scanner::new(first_line);
    if whole > 0 {
        sc.scan_region(&data[..whole]);
    }
    if !tail.is_empty() {
        sc.scan_region(&tail);
    }
    result_json(&sc)
}
