#!/usr/bin/env python3
"""Generates microlite's Rust bindings of schema/schema.fbs.

    python3 schema/generate_rust.py OUT.rs

The output (crates/model/src/generated/schema.rs) holds, for the TFLite
schema only:

* every enum as a `#[repr(transparent)]` newtype with one constant per value
  (unknown values stay representable) and `variant_name`;
* every table as a `Copy` wrapper of `crate::flat::Table` with one accessor
  per field (`VT_*` constants give the vtable offsets), reading through the
  bounds-checked reader in `crate::flat` (no `unsafe`, no panics);
* unions as a type-tag newtype plus `<field>_as_<member>()` accessors;
* the layout tables the structural verifier in `crate::flat::verify` walks:
  per table, one (kind, argument) byte pair per vtable slot.

It understands exactly the subset of the flatbuffers schema language that
schema.fbs uses: `namespace`, `file_identifier`, `file_extension`,
`root_type`, enums with an integer base type, unions of tables, tables whose
fields are scalars, enums, strings, tables, unions or vectors of those, with
defaults and the `deprecated` / `force_align` attributes. Anything else is an
error, so a schema change that needs more support is noticed.
"""
import re
import sys

SCALARS = {
    # schema type: (rust type, size, verifier kind)
    "bool": ("bool", 1),
    "byte": ("i8", 1),
    "ubyte": ("u8", 1),
    "int8": ("i8", 1),
    "uint8": ("u8", 1),
    "short": ("i16", 2),
    "ushort": ("u16", 2),
    "int16": ("i16", 2),
    "uint16": ("u16", 2),
    "int": ("i32", 4),
    "uint": ("u32", 4),
    "int32": ("i32", 4),
    "uint32": ("u32", 4),
    "float": ("f32", 4),
    "long": ("i64", 8),
    "ulong": ("u64", 8),
    "int64": ("i64", 8),
    "uint64": ("u64", 8),
    "double": ("f64", 8),
}

# Verifier field kinds (must match crate::flat::verify).
KIND_SKIP = 0
KIND_SCALAR = 1  # argument: size in bytes
KIND_STRING = 2
KIND_VECTOR = 3  # argument: element size
KIND_TABLE_VECTOR = 4  # argument: table id
KIND_STRING_VECTOR = 5
KIND_TABLE = 6  # argument: table id
KIND_UNION_TYPE = 7
KIND_UNION_VALUE = 8  # argument: union id

RUST_KEYWORDS = {"type", "match", "loop", "ref", "mod", "fn", "impl", "self", "move", "box",
                 "use", "in", "as", "where", "static", "const", "struct", "enum", "trait",
                 "crate", "super", "async", "await", "dyn", "true", "false"}


class SchemaError(Exception):
    pass


def tokenize(text):
    """Tokens with the comment block that precedes each (for doc comments)."""
    tokens = []
    pending = []
    pos = 0
    pattern = re.compile(r"""
        (?P<ws>[ \t\r]+)
      | (?P<nl>\n)
      | (?P<comment>//[^\n]*)
      | (?P<string>"[^"\n]*")
      | (?P<number>-?(?:0x[0-9A-Fa-f]+|[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?))
      | (?P<ident>[A-Za-z_][A-Za-z0-9_.]*)
      | (?P<punct>[{}()\[\]:;,=])
    """, re.VERBOSE)
    line_has_token = False
    while pos < len(text):
        m = pattern.match(text, pos)
        if not m:
            raise SchemaError(f"unexpected character {text[pos]!r} at offset {pos}")
        pos = m.end()
        kind = m.lastgroup
        if kind == "ws":
            continue
        if kind == "nl":
            line_has_token = False
            continue
        if kind == "comment":
            # A trailing comment documents nothing; a comment on its own line
            # documents the next item.
            if not line_has_token:
                pending.append(m.group()[2:].strip())
            continue
        value = m.group()
        tokens.append((kind, value, pending))
        pending = []
        line_has_token = True
    return tokens


class Parser:
    def __init__(self, tokens):
        self.tokens = tokens
        self.i = 0

    def peek(self):
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def docs(self):
        return self.tokens[self.i][2] if self.i < len(self.tokens) else []

    def next(self):
        if self.i >= len(self.tokens):
            raise SchemaError("unexpected end of schema")
        tok = self.tokens[self.i]
        self.i += 1
        return tok[1]

    def expect(self, value):
        got = self.next()
        if got != value:
            raise SchemaError(f"expected {value!r}, found {got!r} (token {self.i})")

    def attributes(self):
        attrs = {}
        if self.peek() == "(":
            self.next()
            while self.peek() != ")":
                name = self.next()
                value = None
                if self.peek() == ":":
                    self.next()
                    value = self.next()
                attrs[name] = value
                if self.peek() == ",":
                    self.next()
            self.expect(")")
        for name in attrs:
            if name not in ("deprecated", "force_align"):
                raise SchemaError(f"unsupported attribute {name}")
        return attrs


def parse(text):
    p = Parser(tokenize(text))
    schema = {"enums": [], "unions": [], "tables": [], "root": None, "identifier": None}
    while p.peek() is not None:
        docs = p.docs()
        word = p.next()
        if word == "namespace":
            p.next()
            p.expect(";")
        elif word in ("file_identifier", "file_extension"):
            value = p.next().strip('"')
            p.expect(";")
            if word == "file_identifier":
                schema["identifier"] = value
        elif word == "root_type":
            schema["root"] = p.next()
            p.expect(";")
        elif word == "enum":
            name = p.next()
            p.expect(":")
            base = p.next()
            if base not in SCALARS or base in ("bool", "float", "double"):
                raise SchemaError(f"enum {name}: unsupported base type {base}")
            p.attributes()
            p.expect("{")
            values = []
            nxt = 0
            while p.peek() != "}":
                vdocs = p.docs()
                vname = p.next()
                if p.peek() == "=":
                    p.next()
                    nxt = int(p.next(), 0)
                attrs = p.attributes()
                values.append({"name": vname, "value": nxt, "docs": vdocs,
                               "deprecated": "deprecated" in attrs})
                nxt += 1
                if p.peek() == ",":
                    p.next()
            p.expect("}")
            schema["enums"].append({"name": name, "base": base, "values": values, "docs": docs})
        elif word == "union":
            name = p.next()
            p.attributes()
            p.expect("{")
            members = []
            while p.peek() != "}":
                mname = p.next()
                attrs = p.attributes()
                members.append({"name": mname, "deprecated": "deprecated" in attrs})
                if p.peek() == ",":
                    p.next()
            p.expect("}")
            schema["unions"].append({"name": name, "members": members, "docs": docs})
        elif word == "table":
            name = p.next()
            attrs = p.attributes()
            p.expect("{")
            fields = []
            while p.peek() != "}":
                fdocs = p.docs()
                fname = p.next()
                p.expect(":")
                if p.peek() == "[":
                    p.next()
                    ftype = ("vector", p.next())
                    p.expect("]")
                else:
                    ftype = ("single", p.next())
                default = None
                if p.peek() == "=":
                    p.next()
                    default = p.next()
                fattrs = p.attributes()
                p.expect(";")
                fields.append({"name": fname, "type": ftype, "default": default,
                               "deprecated": "deprecated" in fattrs, "docs": fdocs})
            p.expect("}")
            schema["tables"].append({"name": name, "fields": fields, "docs": docs,
                                     "deprecated": "deprecated" in attrs})
        else:
            raise SchemaError(f"unsupported declaration {word!r}")
    return schema


def snake(name):
    s = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[0-9])(?=[A-Z][a-z])", "_", name)
    return s.lower()


def accessor(name):
    return name + "_" if name in RUST_KEYWORDS else name


def doc_lines(docs, fallback, indent=""):
    lines = docs if docs else [fallback]
    return "".join(f"{indent}/// {line}".rstrip() + "\n" for line in lines)


def rust_float(value):
    text = repr(float(value))
    return text if ("." in text or "e" in text or "inf" in text or "nan" in text) else text + ".0"


class Generator:
    def __init__(self, schema):
        self.schema = schema
        self.enums = {e["name"]: e for e in schema["enums"]}
        self.unions = {u["name"]: u for u in schema["unions"]}
        self.tables = {t["name"]: t for t in schema["tables"]}
        self.table_ids = {t["name"]: i for i, t in enumerate(schema["tables"])}
        self.union_ids = {u["name"]: i for i, u in enumerate(schema["unions"])}
        if len(self.table_ids) > 255 or len(self.union_ids) > 255:
            raise SchemaError("more than 255 tables or unions")
        for u in schema["unions"]:
            for m in u["members"]:
                if m["name"] not in self.tables:
                    raise SchemaError(f"union {u['name']}: {m['name']} is not a table")
        if schema["root"] not in self.tables:
            raise SchemaError("root_type is not a table")

    # ---- field classification -------------------------------------------------

    def slots(self, table):
        """(field, slot index, role) for every vtable slot: a union field
        takes two (its type tag, then its value)."""
        out = []
        slot = 0
        for f in table["fields"]:
            kind, tname = f["type"]
            if kind == "single" and tname in self.unions:
                out.append((f, slot, "union_type"))
                out.append((f, slot + 1, "union_value"))
                slot += 2
            else:
                out.append((f, slot, "plain"))
                slot += 1
        return out

    def layout_code(self, field, role):
        kind, tname = field["type"]
        if field["deprecated"]:
            return (KIND_SKIP, 0)
        if role == "union_type":
            return (KIND_UNION_TYPE, 0)
        if role == "union_value":
            return (KIND_UNION_VALUE, self.union_ids[tname])
        if kind == "single":
            if tname in SCALARS:
                return (KIND_SCALAR, SCALARS[tname][1])
            if tname in self.enums:
                return (KIND_SCALAR, SCALARS[self.enums[tname]["base"]][1])
            if tname == "string":
                return (KIND_STRING, 0)
            if tname in self.tables:
                return (KIND_TABLE, self.table_ids[tname])
        else:
            if tname in SCALARS:
                return (KIND_VECTOR, SCALARS[tname][1])
            if tname in self.enums:
                return (KIND_VECTOR, SCALARS[self.enums[tname]["base"]][1])
            if tname == "string":
                return (KIND_STRING_VECTOR, 0)
            if tname in self.tables:
                return (KIND_TABLE_VECTOR, self.table_ids[tname])
        raise SchemaError(f"field {field['name']}: unsupported type {field['type']}")

    # ---- output ---------------------------------------------------------------

    def enum(self, e):
        rust, _ = SCALARS[e["base"]]
        name = e["name"]
        out = doc_lines(e["docs"], f"The schema enum `{name}` (`{e['base']}`).")
        out += "///\n/// Values the schema does not name stay representable.\n"
        out += "#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]\n"
        out += "#[repr(transparent)]\n"
        out += f"pub struct {name}(pub {rust});\n\n"
        out += "#[allow(non_upper_case_globals)]\n"
        out += f"impl {name} {{\n"
        for v in e["values"]:
            out += doc_lines(v["docs"], f"`{v['name']}` ({v['value']}).", "    ")
            out += f"    pub const {v['name']}: Self = Self({v['value']});\n"
        lo = min(v["value"] for v in e["values"])
        hi = max(v["value"] for v in e["values"])
        out += f"    /// The smallest value the schema names.\n    pub const ENUM_MIN: {rust} = {lo};\n"
        out += f"    /// The largest value the schema names.\n    pub const ENUM_MAX: {rust} = {hi};\n"
        out += "    /// Every value the schema names, in schema order.\n"
        out += "    pub const ENUM_VALUES: &'static [Self] = &[\n"
        for v in e["values"]:
            out += f"        Self::{v['name']},\n"
        out += "    ];\n\n"
        out += "    /// The schema's name for this value, if it has one.\n"
        out += "    pub fn variant_name(self) -> Option<&'static str> {\n"
        out += "        match self {\n"
        seen = set()
        for v in e["values"]:
            if v["value"] in seen:
                continue
            seen.add(v["value"])
            out += f"            Self::{v['name']} => Some(\"{v['name']}\"),\n"
        out += "            _ => None,\n        }\n    }\n}\n\n"
        out += f"impl core::fmt::Debug for {name} {{\n"
        out += "    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {\n"
        out += "        match self.variant_name() {\n"
        out += "            Some(n) => f.write_str(n),\n"
        out += f"            None => write!(f, \"{name}({{}})\", self.0),\n"
        out += "        }\n    }\n}\n\n"
        return out

    def union(self, u):
        name = u["name"]
        out = doc_lines(u["docs"], f"Type tag of the schema union `{name}`.")
        out += "///\n/// Tag 0 is `NONE`; member `k` (schema order, from 1) names the table\n"
        out += "/// the union's value holds.\n"
        out += "#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]\n"
        out += "#[repr(transparent)]\n"
        out += f"pub struct {name}(pub u8);\n\n"
        out += "#[allow(non_upper_case_globals)]\n"
        out += f"impl {name} {{\n"
        out += "    /// No value.\n    pub const NONE: Self = Self(0);\n"
        out += f"    /// Number of members: tags `1..=MEMBERS` name a table.\n"
        out += f"    pub const MEMBERS: u8 = {len(u['members'])};\n"
        for k, m in enumerate(u["members"], start=1):
            out += f"    /// The value is a `{m['name']}` table.\n"
            out += f"    pub const {m['name']}: Self = Self({k});\n"
        out += "\n    /// The member's table name, if the tag is one the schema names.\n"
        out += "    pub fn variant_name(self) -> Option<&'static str> {\n"
        out += "        match self.0 {\n            0 => Some(\"NONE\"),\n"
        for k, m in enumerate(u["members"], start=1):
            out += f"            {k} => Some(\"{m['name']}\"),\n"
        out += "            _ => None,\n        }\n    }\n}\n\n"
        out += f"impl core::fmt::Debug for {name} {{\n"
        out += "    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {\n"
        out += "        match self.variant_name() {\n"
        out += "            Some(n) => f.write_str(n),\n"
        out += f"            None => write!(f, \"{name}({{}})\", self.0),\n"
        out += "        }\n    }\n}\n\n"
        return out

    def default_literal(self, field, rust, enum=None):
        d = field["default"]
        if d is None:
            if rust == "bool":
                return "false"
            if rust in ("f32", "f64"):
                return "0.0"
            return "0"
        if enum is not None:
            values = {v["name"]: v["value"] for v in enum["values"]}
            if d in values:
                return str(values[d])
            return str(int(d, 0))
        if rust == "bool":
            return {"true": "true", "false": "false"}[d]
        if rust in ("f32", "f64"):
            return rust_float(d)
        return str(int(d, 0))

    def table(self, t):
        name = t["name"]
        tid = self.table_ids[name]
        out = doc_lines(t["docs"], f"The schema table `{name}`.")
        if t["deprecated"]:
            out += "///\n/// Deprecated in the schema.\n"
        out += "#[derive(Clone, Copy)]\n"
        out += f"pub struct {name}<'a>(Table<'a>);\n\n"
        out += f"impl<'a> FromTable<'a> for {name}<'a> {{\n"
        out += "    const ID: u8 = " + str(tid) + ";\n"
        out += "    fn from_table(table: Table<'a>) -> Self {\n        Self(table)\n    }\n"
        out += "    fn table(&self) -> Table<'a> {\n        self.0\n    }\n}\n\n"
        out += "#[allow(clippy::doc_markdown)]\n"
        out += f"impl<'a> {name}<'a> {{\n"
        for f, slot, role in self.slots(t):
            vt = 4 + 2 * slot
            const = "VT_" + f["name"].upper() + ("_TYPE" if role == "union_type" else "")
            out += f"    /// vtable offset of `{f['name']}{'_type' if role == 'union_type' else ''}`.\n"
            out += f"    pub const {const}: u16 = {vt};\n"
        for f, slot, role in self.slots(t):
            if f["deprecated"]:
                continue
            out += self.field_accessor(t, f, role)
        out += "}\n\n"
        return out

    def field_accessor(self, t, f, role):
        kind, tname = f["type"]
        fname = f["name"]
        const = "Self::VT_" + fname.upper()
        docs = doc_lines(f["docs"], f"`{t['name']}.{fname}`.", "    ")
        if role == "union_type":
            return (f"    /// Type tag of `{fname}`.\n"
                    f"    #[inline]\n"
                    f"    pub fn {fname}_type(&self) -> {tname} {{\n"
                    f"        {tname}(self.0.scalar::<u8>({const}_TYPE, 0))\n    }}\n")
        if role == "union_value":
            u = self.unions[tname]
            out = docs
            out += (f"    /// The untyped value; see [`Self::{fname}_type`].\n"
                    f"    #[inline]\n"
                    f"    pub fn {fname}(&self) -> Option<Table<'a>> {{\n"
                    f"        self.0.table({const})\n    }}\n")
            for m in u["members"]:
                if m["deprecated"]:
                    continue
                out += (f"    /// `{fname}` if it holds a `{m['name']}`.\n"
                        f"    #[inline]\n"
                        f"    pub fn {fname}_as_{snake(m['name'])}(&self) -> Option<{m['name']}<'a>> {{\n"
                        f"        if self.{fname}_type() == {tname}::{m['name']} {{\n"
                        f"            self.{fname}().map({m['name']})\n"
                        f"        }} else {{\n            None\n        }}\n    }}\n")
            return out
        acc = accessor(fname)
        out = docs + "    #[inline]\n"
        if kind == "single":
            if tname in SCALARS:
                rust = SCALARS[tname][0]
                d = self.default_literal(f, rust)
                return out + (f"    pub fn {acc}(&self) -> {rust} {{\n"
                              f"        self.0.scalar::<{rust}>({const}, {d})\n    }}\n")
            if tname in self.enums:
                e = self.enums[tname]
                rust = SCALARS[e["base"]][0]
                d = self.default_literal(f, rust, e)
                return out + (f"    pub fn {acc}(&self) -> {tname} {{\n"
                              f"        {tname}(self.0.scalar::<{rust}>({const}, {d}))\n    }}\n")
            if tname == "string":
                return out + (f"    pub fn {acc}(&self) -> Option<&'a str> {{\n"
                              f"        self.0.string({const})\n    }}\n")
            if tname in self.tables:
                return out + (f"    pub fn {acc}(&self) -> Option<{tname}<'a>> {{\n"
                              f"        self.0.table({const}).map({tname})\n    }}\n")
        else:
            if tname in SCALARS:
                rust = SCALARS[tname][0]
                return out + (f"    pub fn {acc}(&self) -> Option<Vector<'a, {rust}>> {{\n"
                              f"        self.0.vector({const})\n    }}\n")
            if tname in self.enums:
                rust = SCALARS[self.enums[tname]["base"]][0]
                return out + (f"    pub fn {acc}(&self) -> Option<Vector<'a, {rust}>> {{\n"
                              f"        self.0.vector({const})\n    }}\n")
            if tname in self.tables:
                return out + (f"    pub fn {acc}(&self) -> Option<TableVector<'a, {tname}<'a>>> {{\n"
                              f"        self.0.table_vector({const})\n    }}\n")
        raise SchemaError(f"{t['name']}.{fname}: unsupported type {f['type']}")

    def layout(self):
        codes = []
        starts = []
        names = []
        for t in self.schema["tables"]:
            starts.append(len(codes) // 2)
            for f, slot, role in self.slots(t):
                k, a = self.layout_code(f, role)
                codes += [k, a]
                names.append(f["name"] + ("_type" if role == "union_type" else ""))
        starts.append(len(codes) // 2)
        members = []
        member_starts = []
        for u in self.schema["unions"]:
            member_starts.append(len(members))
            for m in u["members"]:
                members.append(self.table_ids[m["name"]])
        member_starts.append(len(members))
        out = "/// What the structural verifier (`crate::flat::verify`) needs to know\n"
        out += "/// about every table and union of the schema.\n"
        out += "pub(crate) mod layout {\n"
        out += "    /// Table id of the root type.\n"
        out += f"    pub(crate) const ROOT: u8 = {self.table_ids[self.schema['root']]};\n"
        out += "    /// Per vtable slot of every table, in table order: (kind, argument).\n"
        out += f"    pub(crate) static FIELDS: [[u8; 2]; {len(codes) // 2}] = [\n"
        for i in range(0, len(codes), 2):
            out += f"        [{codes[i]}, {codes[i + 1]}],\n"
        out += "    ];\n"
        out += "    /// Table `t`'s slots are `FIELDS[TABLE_START[t]..TABLE_START[t + 1]]`.\n"
        out += f"    pub(crate) static TABLE_START: [u16; {len(starts)}] = {starts};\n"
        out += "    /// Table ids of the members of every union, in union order.\n"
        out += f"    pub(crate) static UNION_MEMBERS: [u8; {len(members)}] = {members};\n"
        out += "    /// Union `u`'s members (tags 1..) are\n"
        out += "    /// `UNION_MEMBERS[UNION_START[u]..UNION_START[u + 1]]`.\n"
        out += f"    pub(crate) static UNION_START: [u16; {len(member_starts)}] = {member_starts};\n"
        out += "    /// Table names, by table id (for error messages).\n"
        out += f"    pub(crate) static TABLE_NAMES: [&str; {len(self.schema['tables'])}] = [\n"
        for t in self.schema["tables"]:
            out += f"        \"{t['name']}\",\n"
        out += "    ];\n"
        out += "    /// Field names, parallel to `FIELDS` (for error messages).\n"
        out += f"    pub(crate) static FIELD_NAMES: [&str; {len(names)}] = [\n"
        for n in names:
            out += f"        \"{n}\",\n"
        out += "    ];\n}\n"
        return out

    def generate(self):
        out = ("// @generated by schema/generate_rust.py from schema/schema.fbs. Do not edit:\n"
               "// change the schema and run schema/regenerate.sh.\n"
               "#![cfg_attr(rustfmt, rustfmt::skip)]\n"
               "#![allow(clippy::all, clippy::pedantic)]\n\n"
               "use crate::flat::{FromTable, Table, TableVector, Vector};\n\n")
        out += f"/// The file identifier, bytes 4..8 of every model file.\n"
        out += f"pub const FILE_IDENTIFIER: [u8; 4] = *b\"{self.schema['identifier']}\";\n\n"
        for e in self.schema["enums"]:
            out += self.enum(e)
        for u in self.schema["unions"]:
            out += self.union(u)
        for t in self.schema["tables"]:
            out += self.table(t)
        out += self.layout()
        return out


def main():
    if len(sys.argv) != 3:
        print("usage: generate_rust.py SCHEMA.fbs OUT.rs", file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        schema = parse(f.read())
    code = Generator(schema).generate()
    with open(sys.argv[2], "w") as f:
        f.write(code)
    return 0


if __name__ == "__main__":
    sys.exit(main())
