// grpc-go (Debian's golang-google-grpc-dev) as the other side of gRPC's interop cases:
//
//	grpcgo client -port N [-test_case all|compression]
//	                         grpc-go client -> a server on N; prints a line per case
//	grpcgo server -port N    grpc-go TestService server on N
//	TLS: -use_tls -ca_file CA -server_host_override NAME (client), -use_tls -tls_cert_file F -tls_key_file F (server)
//
// Built by build.sh from Courier's Protos/ with Debian's protoc-gen-go, in GOPATH mode.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	pb "grpc/testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/encoding/gzip"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

var requestSizes = []int{27182, 8, 1828, 45904}
var responseSizes = []int{31415, 9, 2653, 58979}

const specialMessage = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"

func main() {
	port := flag.Int("port", 0, "port")
	testCase := flag.String("test_case", "all", "all (the standard cases) or compression")
	flag.BoolVar(&tlsFlags.use, "use_tls", false, "TLS")
	flag.StringVar(&tlsFlags.ca, "ca_file", "", "client: the CA to trust")
	flag.StringVar(&tlsFlags.override, "server_host_override", "", "client: the name to check the server's certificate against")
	flag.StringVar(&tlsFlags.cert, "tls_cert_file", "", "server: certificate")
	flag.StringVar(&tlsFlags.key, "tls_key_file", "", "server: key")
	flag.CommandLine.Parse(os.Args[2:])
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: grpcgo client|server -port N")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "client":
		os.Exit(runClient(*port, *testCase))
	case "server":
		runServer(*port)
	default:
		fmt.Fprintln(os.Stderr, "usage: grpcgo client|server -port N")
		os.Exit(2)
	}
}

// ---------------------------------------------------------------- client

func payload(size int) *pb.Payload { return &pb.Payload{Body: make([]byte, size)} }

func outputRequest(responseSize, payloadSize int, echo *pb.EchoStatus) *pb.StreamingOutputCallRequest {
	return &pb.StreamingOutputCallRequest{
		ResponseParameters: []*pb.ResponseParameters{{Size: int32(responseSize)}},
		Payload:            payload(payloadSize),
		ResponseStatus:     echo,
	}
}

func expectCode(err error, code codes.Code, message string) error {
	s, _ := status.FromError(err)
	if s.Code() != code {
		return fmt.Errorf("expected %v, got %v", code, err)
	}
	if message != "" && s.Message() != message {
		return fmt.Errorf("expected message %q, got %q", message, s.Message())
	}
	return nil
}

var tlsFlags struct {
	use                     bool
	ca, override, cert, key string
}

func runClient(port int, testCase string) int {
	security := grpc.WithInsecure()
	if tlsFlags.use {
		creds, err := credentials.NewClientTLSFromFile(tlsFlags.ca, tlsFlags.override)
		if err != nil {
			fmt.Println("FAIL tls:", err)
			return 1
		}
		security = grpc.WithTransportCredentials(creds)
	}
	conn, err := grpc.Dial(fmt.Sprintf("127.0.0.1:%d", port), security, grpc.WithBlock())
	if err != nil {
		fmt.Println("FAIL connect:", err)
		return 1
	}
	defer conn.Close()
	client := pb.NewTestServiceClient(conn)
	ctx := func() (context.Context, context.CancelFunc) { return context.WithTimeout(context.Background(), 10*time.Second) }
	large := &pb.SimpleRequest{ResponseSize: 314159, Payload: payload(271828)}

	cases := []struct {
		name string
		run  func() error
	}{
		{"empty_unary", func() error {
			c, cancel := ctx()
			defer cancel()
			_, err := client.EmptyCall(c, &pb.Empty{})
			return err
		}},
		{"large_unary", func() error {
			c, cancel := ctx()
			defer cancel()
			r, err := client.UnaryCall(c, large)
			if err != nil {
				return err
			}
			if !bytes.Equal(r.GetPayload().GetBody(), make([]byte, 314159)) {
				return fmt.Errorf("payload of %d bytes", len(r.GetPayload().GetBody()))
			}
			return nil
		}},
		{"client_streaming", func() error {
			c, cancel := ctx()
			defer cancel()
			stream, err := client.StreamingInputCall(c)
			if err != nil {
				return err
			}
			for _, size := range requestSizes {
				if err := stream.Send(&pb.StreamingInputCallRequest{Payload: payload(size)}); err != nil {
					return err
				}
			}
			r, err := stream.CloseAndRecv()
			if err != nil {
				return err
			}
			if r.AggregatedPayloadSize != 74922 {
				return fmt.Errorf("aggregated %d", r.AggregatedPayloadSize)
			}
			return nil
		}},
		{"server_streaming", func() error {
			c, cancel := ctx()
			defer cancel()
			request := &pb.StreamingOutputCallRequest{}
			for _, size := range responseSizes {
				request.ResponseParameters = append(request.ResponseParameters, &pb.ResponseParameters{Size: int32(size)})
			}
			stream, err := client.StreamingOutputCall(c, request)
			if err != nil {
				return err
			}
			for i := 0; ; i++ {
				r, err := stream.Recv()
				if err == io.EOF {
					if i != len(responseSizes) {
						return fmt.Errorf("%d responses", i)
					}
					return nil
				}
				if err != nil {
					return err
				}
				if i >= len(responseSizes) || len(r.GetPayload().GetBody()) != responseSizes[i] {
					return fmt.Errorf("response %d has %d bytes", i, len(r.GetPayload().GetBody()))
				}
			}
		}},
		{"ping_pong", func() error {
			c, cancel := ctx()
			defer cancel()
			stream, err := client.FullDuplexCall(c)
			if err != nil {
				return err
			}
			for i := range requestSizes {
				if err := stream.Send(outputRequest(responseSizes[i], requestSizes[i], nil)); err != nil {
					return err
				}
				r, err := stream.Recv()
				if err != nil {
					return err
				}
				if len(r.GetPayload().GetBody()) != responseSizes[i] {
					return fmt.Errorf("response %d has %d bytes", i, len(r.GetPayload().GetBody()))
				}
			}
			stream.CloseSend()
			if _, err := stream.Recv(); err != io.EOF {
				return fmt.Errorf("expected the end, got %v", err)
			}
			return nil
		}},
		{"empty_stream", func() error {
			c, cancel := ctx()
			defer cancel()
			stream, err := client.FullDuplexCall(c)
			if err != nil {
				return err
			}
			stream.CloseSend()
			if _, err := stream.Recv(); err != io.EOF {
				return fmt.Errorf("expected no responses, got %v", err)
			}
			return nil
		}},
		{"custom_metadata", func() error {
			c, cancel := ctx()
			defer cancel()
			c = metadata.AppendToOutgoingContext(c, "x-grpc-test-echo-initial", "test_initial_metadata_value",
				"x-grpc-test-echo-trailing-bin", string([]byte{0xab, 0xab, 0xab}))
			var header, trailer metadata.MD
			if _, err := client.UnaryCall(c, large, grpc.Header(&header), grpc.Trailer(&trailer)); err != nil {
				return err
			}
			if v := header.Get("x-grpc-test-echo-initial"); len(v) != 1 || v[0] != "test_initial_metadata_value" {
				return fmt.Errorf("initial metadata %v", header)
			}
			if v := trailer.Get("x-grpc-test-echo-trailing-bin"); len(v) != 1 || v[0] != string([]byte{0xab, 0xab, 0xab}) {
				return fmt.Errorf("trailing metadata %v", trailer)
			}
			stream, err := client.FullDuplexCall(c)
			if err != nil {
				return err
			}
			stream.Send(outputRequest(314159, 271828, nil))
			stream.CloseSend()
			for {
				if _, err := stream.Recv(); err == io.EOF {
					break
				} else if err != nil {
					return err
				}
			}
			h, _ := stream.Header()
			if v := h.Get("x-grpc-test-echo-initial"); len(v) != 1 {
				return fmt.Errorf("duplex initial metadata %v", h)
			}
			if v := stream.Trailer().Get("x-grpc-test-echo-trailing-bin"); len(v) != 1 {
				return fmt.Errorf("duplex trailing metadata %v", stream.Trailer())
			}
			return nil
		}},
		{"status_code_and_message", func() error { return echoStatus(client, "test status message") }},
		{"special_status_message", func() error { return echoStatus(client, specialMessage) }},
		{"unimplemented_method", func() error {
			c, cancel := ctx()
			defer cancel()
			_, err := client.UnimplementedCall(c, &pb.Empty{})
			return expectCode(err, codes.Unimplemented, "")
		}},
		{"unimplemented_service", func() error {
			c, cancel := ctx()
			defer cancel()
			_, err := pb.NewUnimplementedServiceClient(conn).UnimplementedCall(c, &pb.Empty{})
			return expectCode(err, codes.Unimplemented, "")
		}},
		{"cancel_after_begin", func() error {
			c, cancel := context.WithCancel(context.Background())
			stream, err := client.StreamingInputCall(c)
			if err != nil {
				return err
			}
			cancel()
			_, err = stream.CloseAndRecv()
			return expectCode(err, codes.Canceled, "")
		}},
		{"cancel_after_first_response", func() error {
			c, cancel := context.WithCancel(context.Background())
			stream, err := client.FullDuplexCall(c)
			if err != nil {
				return err
			}
			stream.Send(outputRequest(31415, 27182, nil))
			if _, err := stream.Recv(); err != nil {
				return err
			}
			cancel()
			_, err = stream.Recv()
			return expectCode(err, codes.Canceled, "")
		}},
		{"timeout_on_sleeping_server", func() error {
			c, cancel := context.WithTimeout(context.Background(), time.Millisecond)
			defer cancel()
			stream, err := client.FullDuplexCall(c)
			if err != nil {
				return expectCode(err, codes.DeadlineExceeded, "")
			}
			// The interop spec's request: a payload and no response parameters, so the server
			// sends nothing and only the deadline can end the call.
			stream.Send(&pb.StreamingOutputCallRequest{Payload: payload(27182)})
			for err == nil {
				_, err = stream.Recv()
			}
			return expectCode(err, codes.DeadlineExceeded, "")
		}},
	}
	if testCase == "compression" {
		cases = compressionCases(client)
	}
	failed := 0
	for _, c := range cases {
		if err := c.run(); err != nil {
			failed++
			fmt.Printf("FAIL %s: %v\n", c.name, err)
		} else {
			fmt.Printf("PASS %s\n", c.name)
		}
	}
	fmt.Printf("grpc-go client: %d passed, %d failed\n", len(cases)-failed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}

func echoStatus(client pb.TestServiceClient, message string) error {
	echo := &pb.EchoStatus{Code: 2, Message: message}
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := client.UnaryCall(c, &pb.SimpleRequest{ResponseStatus: echo})
	if err := expectCode(err, codes.Unknown, message); err != nil {
		return err
	}
	stream, err := client.FullDuplexCall(c)
	if err != nil {
		return err
	}
	stream.Send(outputRequest(0, 0, echo))
	stream.CloseSend()
	_, err = stream.Recv()
	return expectCode(err, codes.Unknown, message)
}

// ---------------------------------------------------------------- server

type testServer struct {
	pb.UnimplementedTestServiceServer
}

func echoMetadata(ctx context.Context) {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get("x-grpc-test-echo-initial"); len(v) > 0 {
		grpc.SetHeader(ctx, metadata.Pairs("x-grpc-test-echo-initial", v[0]))
	}
	if v := md.Get("x-grpc-test-echo-trailing-bin"); len(v) > 0 {
		grpc.SetTrailer(ctx, metadata.Pairs("x-grpc-test-echo-trailing-bin", v[0]))
	}
}

func requestedStatus(echo *pb.EchoStatus) error {
	if echo == nil || echo.Code == 0 {
		return nil
	}
	return status.Error(codes.Code(echo.Code), echo.Message)
}

func (testServer) EmptyCall(ctx context.Context, _ *pb.Empty) (*pb.Empty, error) {
	echoMetadata(ctx)
	if err := setHealth(ctx); err != nil {
		return nil, err
	}
	return &pb.Empty{}, nil
}

func (testServer) UnaryCall(ctx context.Context, r *pb.SimpleRequest) (*pb.SimpleResponse, error) {
	echoMetadata(ctx)
	if err := requestedStatus(r.ResponseStatus); err != nil {
		return nil, err
	}
	if err := failAttempts(ctx); err != nil {
		return nil, err
	}
	response := &pb.SimpleResponse{Payload: payload(int(r.ResponseSize))}
	if r.FillServerId {
		response.ServerId = serverID
	}
	return response, nil
}

func respond(r *pb.StreamingOutputCallRequest, send func(*pb.StreamingOutputCallResponse) error) error {
	if err := requestedStatus(r.ResponseStatus); err != nil {
		return err
	}
	for _, p := range r.ResponseParameters {
		time.Sleep(time.Duration(p.IntervalUs) * time.Microsecond)
		if err := send(&pb.StreamingOutputCallResponse{Payload: payload(int(p.Size))}); err != nil {
			return err
		}
	}
	return nil
}

func (testServer) StreamingOutputCall(r *pb.StreamingOutputCallRequest, stream pb.TestService_StreamingOutputCallServer) error {
	echoMetadata(stream.Context())
	return respond(r, stream.Send)
}

func (testServer) StreamingInputCall(stream pb.TestService_StreamingInputCallServer) error {
	echoMetadata(stream.Context())
	total := 0
	for {
		r, err := stream.Recv()
		if err == io.EOF {
			return stream.SendAndClose(&pb.StreamingInputCallResponse{AggregatedPayloadSize: int32(total)})
		}
		if err != nil {
			return err
		}
		total += len(r.GetPayload().GetBody())
	}
}

func (testServer) FullDuplexCall(stream pb.TestService_FullDuplexCallServer) error {
	echoMetadata(stream.Context())
	for {
		r, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := respond(r, stream.Send); err != nil {
			return err
		}
	}
}

func runServer(port int) {
	listener, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var options []grpc.ServerOption
	if tlsFlags.use {
		creds, err := credentials.NewServerTLSFromFile(tlsFlags.cert, tlsFlags.key)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		options = append(options, grpc.Creds(creds))
	}
	server := grpc.NewServer(options...)
	pb.RegisterTestServiceServer(server, &testServer{})
	healthpb.RegisterHealthServer(server, healthServer)
	fmt.Println("grpc-go server listening on", port)
	server.Serve(listener)
}

// The compression cases as far as grpc-go 1.33's API reaches: it compresses a whole call (never
// one message of a stream but not the next), names gzip in grpc-accept-encoding only on a call it
// compresses, and does not show whether a response came compressed. So the streaming request
// goes all compressed, the server-compressed calls compress their requests too (or the server
// may not compress the answer), and the payloads arriving intact are the check.
func compressionCases(client pb.TestServiceClient) []struct {
	name string
	run  func() error
} {
	ctx := func() (context.Context, context.CancelFunc) { return context.WithTimeout(context.Background(), 10*time.Second) }
	boolValue := func(v bool) *pb.BoolValue { return &pb.BoolValue{Value: v} }
	large := func(expect, respond *pb.BoolValue) *pb.SimpleRequest {
		return &pb.SimpleRequest{ResponseSize: 314159, Payload: payload(271828), ExpectCompressed: expect, ResponseCompressed: respond}
	}
	checkLarge := func(r *pb.SimpleResponse, err error) error {
		if err != nil {
			return err
		}
		if !bytes.Equal(r.GetPayload().GetBody(), make([]byte, 314159)) {
			return fmt.Errorf("payload of %d bytes", len(r.GetPayload().GetBody()))
		}
		return nil
	}
	inputs := func(sizes ...int) func() (*pb.StreamingInputCallResponse, error) {
		return func() (*pb.StreamingInputCallResponse, error) {
			c, cancel := ctx()
			defer cancel()
			stream, err := client.StreamingInputCall(c, grpc.UseCompressor(gzip.Name))
			if err != nil {
				return nil, err
			}
			for _, size := range sizes {
				stream.Send(&pb.StreamingInputCallRequest{Payload: payload(size), ExpectCompressed: boolValue(true)})
			}
			return stream.CloseAndRecv()
		}
	}
	return []struct {
		name string
		run  func() error
	}{
		{"client_compressed_unary", func() error {
			c, cancel := ctx()
			defer cancel()
			// The feature probe: says it is compressed, goes plain.
			if _, err := client.UnaryCall(c, large(boolValue(true), nil)); expectCode(err, codes.InvalidArgument, "") != nil {
				return fmt.Errorf("probe: %v", expectCode(err, codes.InvalidArgument, ""))
			}
			if err := checkLarge(client.UnaryCall(c, large(boolValue(true), nil), grpc.UseCompressor(gzip.Name))); err != nil {
				return err
			}
			return checkLarge(client.UnaryCall(c, large(boolValue(false), nil)))
		}},
		{"server_compressed_unary", func() error {
			c, cancel := ctx()
			defer cancel()
			for _, compressed := range []bool{true, false} {
				if err := checkLarge(client.UnaryCall(c, large(nil, boolValue(compressed)), grpc.UseCompressor(gzip.Name))); err != nil {
					return err
				}
			}
			return nil
		}},
		{"client_compressed_streaming", func() error {
			c, cancel := ctx()
			defer cancel()
			probe, err := client.StreamingInputCall(c)
			if err != nil {
				return err
			}
			probe.Send(&pb.StreamingInputCallRequest{Payload: payload(27182), ExpectCompressed: boolValue(true)})
			if _, err := probe.CloseAndRecv(); expectCode(err, codes.InvalidArgument, "") != nil {
				return fmt.Errorf("probe: %v", expectCode(err, codes.InvalidArgument, ""))
			}
			r, err := inputs(27182, 45904)()
			if err != nil {
				return err
			}
			if r.AggregatedPayloadSize != 73086 {
				return fmt.Errorf("aggregated %d", r.AggregatedPayloadSize)
			}
			return nil
		}},
		{"server_compressed_streaming", func() error {
			c, cancel := ctx()
			defer cancel()
			stream, err := client.StreamingOutputCall(c, &pb.StreamingOutputCallRequest{ResponseParameters: []*pb.ResponseParameters{
				{Size: 31415, Compressed: boolValue(true)}, {Size: 92653, Compressed: boolValue(false)}}}, grpc.UseCompressor(gzip.Name))
			if err != nil {
				return err
			}
			var sizes []int
			for {
				r, err := stream.Recv()
				if err == io.EOF {
					break
				}
				if err != nil {
					return err
				}
				sizes = append(sizes, len(r.GetPayload().GetBody()))
			}
			if len(sizes) != 2 || sizes[0] != 31415 || sizes[1] != 92653 {
				return fmt.Errorf("sizes %v", sizes)
			}
			return nil
		}},
	}
}
