package decode

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// protoSchema is a compiled .proto file: the registry's schema, its references resolved.
type protoSchema struct {
	file protoreflect.FileDescriptor
}

// registrySchemaFile is the name the registry's schema text is compiled under; its references keep
// theirs, which are the import paths the text uses.
const registrySchemaFile = "registry-schema.proto"

// compileProto compiles a .proto text with the files it imports, by import path, with protocompile
// (bufbuild's maintained compiler: the whole language, well-known types included).
func compileProto(ctx context.Context, text string, refs []reference) (*protoSchema, error) {
	files := map[string]string{registrySchemaFile: text}
	for _, r := range refs {
		files[r.name] = r.text
	}
	c := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
		Accessor: protocompile.SourceAccessorFromMap(files),
	})}
	out, err := c.Compile(ctx, registrySchemaFile)
	if err != nil {
		return nil, fmt.Errorf("compile the Protobuf schema: %w", err)
	}
	return &protoSchema{file: out[0]}, nil
}

// message is the message type the Confluent message indexes point at: the first is a top-level message
// of the file, each next one a message nested in the one before.
func (p *protoSchema) message(index []int) (protoreflect.MessageDescriptor, error) {
	if len(index) == 0 {
		index = []int{0}
	}
	msgs := p.file.Messages()
	var md protoreflect.MessageDescriptor
	for _, i := range index {
		if i < 0 || i >= msgs.Len() {
			return nil, fmt.Errorf("message index %v: the schema has no message there", index)
		}
		md = msgs.Get(i)
		msgs = md.Messages()
	}
	return md, nil
}

// messageNamed finds a message type of the file, nested ones included, by its full name, or by its short
// name when only one has it; "" is the first. The path is its message indexes in the wire format. A name
// it does not find is an error that lists the types there are.
func (p *protoSchema) messageNamed(name string) (protoreflect.MessageDescriptor, []int, error) {
	type typeAt struct {
		md   protoreflect.MessageDescriptor
		path []int
	}
	var all []typeAt
	var walk func(msgs protoreflect.MessageDescriptors, at []int)
	walk = func(msgs protoreflect.MessageDescriptors, at []int) {
		for i := 0; i < msgs.Len(); i++ {
			md := msgs.Get(i)
			if md.IsMapEntry() {
				continue // a map field's hidden entry type, not a message anyone sends
			}
			here := append(slices.Clone(at), i)
			all = append(all, typeAt{md, here})
			walk(md.Messages(), here)
		}
	}
	walk(p.file.Messages(), nil)
	if len(all) == 0 {
		return nil, nil, errors.New("the schema declares no message")
	}
	if name == "" {
		return all[0].md, all[0].path, nil
	}
	var short []typeAt
	names := make([]string, len(all))
	for i, t := range all {
		names[i] = string(t.md.FullName())
		if string(t.md.FullName()) == name {
			return t.md, t.path, nil
		}
		if string(t.md.Name()) == name {
			short = append(short, t)
		}
	}
	switch len(short) {
	case 1:
		return short[0].md, short[0].path, nil
	case 0:
		return nil, nil, fmt.Errorf("the schema declares no message %q; it has %s", name, strings.Join(names, ", "))
	}
	var which []string
	for _, t := range short {
		which = append(which, string(t.md.FullName()))
	}
	return nil, nil, fmt.Errorf("%q is the name of %s: give the full name", name, strings.Join(which, " and "))
}

// protoToJSON decodes a binary Protobuf message of type md as indented JSON, the way protojson writes it
// (field names in lowerCamelCase, 64-bit integers as strings, enums by name).
func protoToJSON(md protoreflect.MessageDescriptor, payload []byte) (string, error) {
	msg := dynamicpb.NewMessage(md)
	if err := proto.Unmarshal(payload, msg); err != nil {
		return "", fmt.Errorf("not a %s: %w", md.FullName(), err)
	}
	js, err := protojson.MarshalOptions{}.Marshal(msg)
	if err != nil {
		return "", fmt.Errorf("show %s as JSON: %w", md.FullName(), err)
	}
	// protojson varies its spacing on purpose; indenting it again makes the text the same run after run.
	return Pretty(js), nil
}

// jsonToProto encodes JSON (protojson's mapping) as a binary message of type md.
func jsonToProto(md protoreflect.MessageDescriptor, js []byte) ([]byte, error) {
	msg := dynamicpb.NewMessage(md)
	if err := protojson.Unmarshal(js, msg); err != nil {
		return nil, fmt.Errorf("the body is not a %s in JSON: %w", md.FullName(), err)
	}
	return proto.Marshal(msg)
}

// ProtoFiles are the Protobuf message types a context declares for bodies that come without a registry:
// compiled .proto files or a descriptor set, and which type each topic or queue carries.
type ProtoFiles struct {
	files *protoregistry.Files
	types map[string]protoreflect.MessageDescriptor // by destination
}

// ProtoSettings say where a context's message types are.
type ProtoSettings struct {
	Files         []string          // .proto files, found in ImportPaths (or relative to the working folder)
	ImportPaths   []string          // folders imports are found in
	DescriptorSet string            // a FileDescriptorSet (protoc --descriptor_set_out --include_imports)
	Types         map[string]string // destination → fully-qualified message name
}

// LoadProtoFiles compiles the settings' files (or reads the descriptor set) and finds each destination's
// message type, so that a mistake is reported once, when the context is opened.
func LoadProtoFiles(ctx context.Context, s ProtoSettings) (*ProtoFiles, error) {
	files := new(protoregistry.Files)
	if s.DescriptorSet != "" {
		if err := readDescriptorSet(s.DescriptorSet, files); err != nil {
			return nil, err
		}
	}
	if len(s.Files) > 0 {
		if err := compileFiles(ctx, s, files); err != nil {
			return nil, err
		}
	}
	p := &ProtoFiles{files: files, types: map[string]protoreflect.MessageDescriptor{}}
	for dest, name := range s.Types {
		d, err := files.FindDescriptorByName(protoreflect.FullName(name))
		if err != nil {
			return nil, fmt.Errorf("protobuf type %q for %q: not in the files given (%w)", name, dest, err)
		}
		md, ok := d.(protoreflect.MessageDescriptor)
		if !ok {
			return nil, fmt.Errorf("protobuf type %q for %q is not a message", name, dest)
		}
		p.types[dest] = md
	}
	return p, nil
}

// For is the message type the settings give destination; nil when none.
func (p *ProtoFiles) For(destination string) protoreflect.MessageDescriptor {
	if p == nil {
		return nil
	}
	return p.types[destination]
}

func readDescriptorSet(path string, into *protoregistry.Files) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("protobuf descriptor set: %w", err)
	}
	var set descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(raw, &set); err != nil {
		return fmt.Errorf("protobuf descriptor set %s: not a FileDescriptorSet: %w", path, err)
	}
	files, err := protodesc.NewFiles(&set)
	if err != nil {
		return fmt.Errorf("protobuf descriptor set %s: %w (was it written with --include_imports?)", path, err)
	}
	var rerr error
	files.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		rerr = registerFile(into, fd)
		return rerr == nil
	})
	return rerr
}

func compileFiles(ctx context.Context, s ProtoSettings, into *protoregistry.Files) error {
	paths := s.ImportPaths
	names := make([]string, len(s.Files))
	for i, f := range s.Files {
		names[i] = f
		if len(paths) == 0 && filepath.IsAbs(f) {
			names[i] = filepath.Base(f)
			paths = append(paths, filepath.Dir(f))
		}
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	c := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{ImportPaths: paths})}
	out, err := c.Compile(ctx, names...)
	if err != nil {
		return fmt.Errorf("compile the .proto files: %w", err)
	}
	for _, fd := range out {
		if err := registerWithImports(into, fd); err != nil {
			return err
		}
	}
	return nil
}

func registerWithImports(into *protoregistry.Files, fd protoreflect.FileDescriptor) error {
	imports := fd.Imports()
	for i := 0; i < imports.Len(); i++ {
		if err := registerWithImports(into, imports.Get(i).FileDescriptor); err != nil {
			return err
		}
	}
	return registerFile(into, fd)
}

func registerFile(into *protoregistry.Files, fd protoreflect.FileDescriptor) error {
	if _, err := into.FindFileByPath(fd.Path()); err == nil {
		return nil // already there, through another file's imports
	}
	if err := into.RegisterFile(fd); err != nil {
		return fmt.Errorf("protobuf file %s: %w", fd.Path(), err)
	}
	return nil
}
