package main

// Courier's own conventions, which its interop servers in Swift and Python follow too, for the peer
// tests of retries and health checking (Sources/Tools/CourierInterop/InteropNetworkCases.swift):
//   - the first N UnaryCalls with x-courier-fail-attempts: N and the same x-courier-retry-key fail
//     UNAVAILABLE; the next answers with x-courier-attempt (its number) and
//     x-courier-previous-attempts (the grpc-previous-rpc-attempts it saw, "none" without one);
//   - an EmptyCall with x-courier-set-health: SERVING|NOT_SERVING sets TestService's health;
//   - fill_server_id answers server_id "grpc-go-<pid>".

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

var (
	healthServer = health.NewServer()
	serverID     = fmt.Sprintf("grpc-go-%d", os.Getpid())
	attemptsLock sync.Mutex
	attempts     = map[string]int{}
)

func init() {
	healthServer.SetServingStatus("grpc.testing.TestService", healthpb.HealthCheckResponse_SERVING)
}

func firstValue(md metadata.MD, key string) (string, bool) {
	if v := md.Get(key); len(v) > 0 {
		return v[0], true
	}
	return "", false
}

// setHealth applies x-courier-set-health.
func setHealth(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	wanted, ok := firstValue(md, "x-courier-set-health")
	if !ok {
		return nil
	}
	value, known := healthpb.HealthCheckResponse_ServingStatus_value[wanted]
	if !known {
		return status.Error(codes.InvalidArgument, "x-courier-set-health: SERVING or NOT_SERVING")
	}
	healthServer.SetServingStatus("grpc.testing.TestService", healthpb.HealthCheckResponse_ServingStatus(value))
	return nil
}

// failAttempts applies x-courier-fail-attempts.
func failAttempts(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	text, ok := firstValue(md, "x-courier-fail-attempts")
	if !ok {
		return nil
	}
	failing, _ := strconv.Atoi(text)
	key, _ := firstValue(md, "x-courier-retry-key")
	attemptsLock.Lock()
	attempts[key]++
	attempt := attempts[key]
	attemptsLock.Unlock()
	if attempt <= failing {
		return status.Errorf(codes.Unavailable, "attempt %d refused", attempt)
	}
	previous, seen := firstValue(md, "grpc-previous-rpc-attempts")
	if !seen {
		previous = "none"
	}
	return grpc.SetHeader(ctx, metadata.Pairs("x-courier-attempt", strconv.Itoa(attempt), "x-courier-previous-attempts", previous))
}
