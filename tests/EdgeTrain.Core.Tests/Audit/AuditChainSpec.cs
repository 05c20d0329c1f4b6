using EdgeTrain.Core.Audit;
using static EdgeTrain.Core.Tests.Audit.AuditChains;

namespace EdgeTrain.Core.Tests.Audit;

public sealed class AuditChainSpec : IDisposable
{
    private readonly AuditSigner key = AuditSigner.Create();
    private readonly AuditSigner other = AuditSigner.Create();

    public void Dispose()
    {
        key.Dispose();
        other.Dispose();
    }

    private static AuditFault Fault(IEnumerable<AuditEntry> log, AuditTrust? trust = null) =>
        AuditChain.Verify(log, trust ?? AuditTrust.Introduced).Fault ?? throw new Xunit.Sdk.XunitException("the log verified");

    [Fact]
    public void A_chain_of_N_verifies_and_names_its_head()
    {
        var log = Build(key, 40);

        var verdict = AuditChain.Verify(log, AuditTrust.Introduced);

        Assert.True(verdict.Ok, verdict.ToString());
        Assert.Equal((40L, 40L, log[^1].Hash), (verdict.Verified, verdict.HeadSequence, verdict.HeadHash));
        Assert.Equal([key.KeyId], verdict.Signers);
        Assert.Equal($"audit chain verified: 40 entries, head #40 {log[^1].Hash}", verdict.ToString());
        Assert.Equal(AuditEncoding.GenesisHash, log[0].PreviousHash);
        Assert.Equal(AuditActions.Signer, log[0].Action);
        Assert.Equal(key.KeyId, log[0].Subject);
        Assert.All(log.Skip(1), (e, i) => Assert.Equal(log[i].Hash, e.PreviousHash));
    }

    [Fact]
    public void An_empty_log_verifies_with_the_zero_head()
    {
        var verdict = AuditChain.Verify([], AuditTrust.Introduced);

        Assert.True(verdict.Ok);
        Assert.Equal((0L, 0L, AuditEncoding.GenesisHash), (verdict.Verified, verdict.HeadSequence, verdict.HeadHash));
    }

    public static TheoryData<string> Fields => new(["sequence", "time", "who", "action", "subject", "detail", "previousHash", "signerKey", "signerCertificate", "hash", "signature"]);

    [Theory]
    [MemberData(nameof(Fields))]
    public void A_changed_field_of_any_entry_names_that_entry(string field)
    {
        var log = Build(key, 7);
        foreach (var position in new[] { 1, 2, 4, 7 })
        {
            var e = log[position - 1];
            var changed = field switch
            {
                "sequence" => e with { Sequence = e.Sequence + 1 },
                "time" => e with { TimeUtc = e.TimeUtc.AddTicks(1) },
                "who" => e with { Who = Flip(e.Who) },
                "action" => e with { Action = Flip(e.Action) },
                "subject" => e with { Subject = Flip(e.Subject) },
                "detail" => e with { Detail = Flip(e.Detail) },
                "previousHash" => e with { PreviousHash = Flip(e.PreviousHash) },
                "signerKey" => e with { SignerKey = Flip(e.SignerKey) },
                "signerCertificate" => e with { SignerCertificate = Flip(e.SignerCertificate) },
                "hash" => e with { Hash = Flip(e.Hash) },
                _ => e with { Signature = Flip(e.Signature) },
            };

            var fault = Fault(With(log, position, changed));

            Assert.Equal(position, fault.Position);
            Assert.Equal(
                field switch
                {
                    "sequence" => AuditProblem.SequenceGap,
                    "signature" => AuditProblem.BadSignature,
                    _ => AuditProblem.HashMismatch,
                },
                fault.Problem);
        }
    }

    [Fact]
    public void One_byte_flipped_anywhere_in_the_stored_record_of_an_entry_names_that_entry()
    {
        var log = Build(key, 5);
        foreach (var position in new[] { 1, 3, 5 })
        {
            var stored = AuditEncoding.Stored(log[position - 1]);
            for (var at = 0; at < stored.Length; at++)
            {
                var damaged = (byte[])stored.Clone();
                damaged[at] ^= 0x01;
                var read = AuditEncoding.Read(damaged, position);

                var fault = Fault(With(log, position, read));

                Assert.True(position == fault.Position, $"entry {position}, byte {at}: {fault}");
            }
        }
    }

    [Fact]
    public void A_changed_entry_whose_hash_is_recomputed_without_the_key_has_a_bad_signature()
    {
        var log = Build(key, 5);
        var forged = log[2] with { Detail = "nothing happened" };
        forged = forged with { Hash = AuditEncoding.ComputeHash(forged) };

        var fault = Fault(With(log, 3, forged));

        Assert.Equal((3L, AuditProblem.BadSignature), (fault.Position, fault.Problem));
    }

    [Fact]
    public void An_entry_resigned_with_another_key_names_an_unknown_signer()
    {
        var log = Build(key, 5);
        var forged = log[2] with { Detail = "nothing happened", SignerKey = other.PublicKey };
        var hash = AuditEncoding.ComputeHash(forged);
        forged = forged with { Hash = hash, Signature = other.Sign(hash) };

        var fault = Fault(With(log, 3, forged));

        Assert.Equal((3L, AuditProblem.UnknownSigner), (fault.Position, fault.Problem));
        Assert.Contains($"the signer since entry #1 is key sha256:{key.KeyId}", fault.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_whole_log_rewritten_with_another_key_verifies_on_its_own_but_not_against_the_trusted_key()
    {
        var forged = Build(other, 5);

        Assert.True(AuditChain.Verify(forged, AuditTrust.Introduced).Ok);
        var fault = Fault(forged, AuditTrust.Pinned([key.KeyId]));
        Assert.Equal((1L, AuditProblem.UnknownSigner), (fault.Position, fault.Problem));
        Assert.True(AuditChain.Verify(Build(key, 5), AuditTrust.Pinned([key.KeyId.ToUpperInvariant()])).Ok);
    }

    [Fact]
    public void A_dropped_entry_is_a_sequence_gap_where_it_was()
    {
        var log = Build(key, 6);
        log.RemoveAt(2);

        var fault = Fault(log);

        Assert.Equal((3L, 4L, AuditProblem.SequenceGap), (fault.Position, fault.ClaimedSequence, fault.Problem));
        Assert.Equal("entry #3 (it claims #4): sequence gap: expected #3 after #2, found #4", fault.ToString());
    }

    [Fact]
    public void Two_entries_swapped_are_named_at_the_first()
    {
        var log = Build(key, 6);
        (log[3], log[4]) = (log[4], log[3]);

        var fault = Fault(log);

        Assert.Equal((4L, AuditProblem.SequenceGap), (fault.Position, fault.Problem));
    }

    [Fact]
    public void An_inserted_copy_of_an_entry_is_named()
    {
        var log = Build(key, 6);
        log.Insert(3, log[2]);

        var fault = Fault(log);

        Assert.Equal((4L, AuditProblem.SequenceGap), (fault.Position, fault.Problem));
    }

    [Fact]
    public void An_entry_renumbered_into_a_gap_and_signed_by_the_key_still_breaks_the_link()
    {
        var log = Build(key, 6);
        log.RemoveAt(2);

        // whoever holds the key renumbers the next entry and signs it again, but cannot hide the missing hash
        var renumbered = log[2] with { Sequence = 3 };
        var hash = AuditEncoding.ComputeHash(renumbered);
        log[2] = renumbered with { Hash = hash, Signature = key.Sign(hash) };

        var fault = Fault(log);

        Assert.Equal((3L, AuditProblem.BrokenLink), (fault.Position, fault.Problem));
        Assert.Contains($"is not entry #2's hash {log[1].Hash}", fault.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_first_entry_that_links_to_something_is_a_broken_link()
    {
        var entry = AuditChain.Introduce(new AuditHead(0, new string('1', 64)), T0, key, "coordinator", null);

        var fault = Fault([entry]);

        Assert.Equal((1L, AuditProblem.BrokenLink), (fault.Position, fault.Problem));
    }

    [Fact]
    public void A_log_that_does_not_start_with_a_signer_entry_has_an_unknown_signer()
    {
        var entry = AuditChain.Next(AuditHead.Genesis, T0, Notes[0], key);

        var fault = Fault([entry]);

        Assert.Equal((1L, AuditProblem.UnknownSigner), (fault.Position, fault.Problem));
    }

    [Fact]
    public void A_new_signer_after_a_takeover_verifies_and_is_refused_when_only_the_first_key_is_trusted()
    {
        var log = Extend(Build(key, 4), other, 8, T0.AddMinutes(1));

        var verdict = AuditChain.Verify(log, AuditTrust.Introduced);

        Assert.True(verdict.Ok, verdict.ToString());
        Assert.Equal([key.KeyId, other.KeyId], verdict.Signers);
        Assert.Equal((AuditActions.Signer, other.KeyId, $"takes over from key sha256:{key.KeyId}"), (log[4].Action, log[4].Subject, log[4].Detail));
        var fault = Fault(log, AuditTrust.Pinned([key.KeyId]));
        Assert.Equal((5L, AuditProblem.UnknownSigner), (fault.Position, fault.Problem));
        Assert.True(AuditChain.Verify(log, AuditTrust.Pinned([key.KeyId, other.KeyId])).Ok);
    }

    [Fact]
    public void An_entry_signed_by_the_old_key_after_a_takeover_is_refused()
    {
        var log = Extend(Build(key, 3), other, 5, T0.AddMinutes(1));
        log.Add(AuditChain.Next(new AuditHead(5, log[^1].Hash), T0.AddMinutes(2), Notes[1], key));

        var fault = Fault(log);

        Assert.Equal((6L, AuditProblem.UnknownSigner), (fault.Position, fault.Problem));
    }

    [Fact]
    public void An_unreadable_entry_is_named_with_why()
    {
        var log = Build(key, 4);

        var fault = Fault(With(log, 3, AuditEntry.Unreadable(3, [1, 2, 3], "field 4 is not UTF-8")));

        Assert.Equal((3L, AuditProblem.Unreadable), (fault.Position, fault.Problem));
        Assert.Equal("entry #3: unreadable: field 4 is not UTF-8", fault.ToString());
    }

    [Fact]
    public void A_log_cut_short_verifies_up_to_its_new_head_which_is_why_verify_prints_the_head()
    {
        var log = Build(key, 6);

        var verdict = AuditChain.Verify(log.Take(4), AuditTrust.Introduced);

        Assert.True(verdict.Ok);
        Assert.Equal((4L, log[3].Hash), (verdict.HeadSequence, verdict.HeadHash));
    }

    [Fact]
    public void The_verdict_of_a_broken_log_keeps_the_head_before_the_fault()
    {
        var log = Build(key, 6);

        var verdict = AuditChain.Verify(With(log, 5, log[4] with { Who = "someone else" }), AuditTrust.Introduced);

        Assert.False(verdict.Ok);
        Assert.Equal((4L, 4L, log[3].Hash), (verdict.Verified, verdict.HeadSequence, verdict.HeadHash));
        Assert.StartsWith("audit chain broken at entry #5: hash mismatch: ", verdict.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Long_texts_are_cut_and_lone_surrogates_are_kept_as_they_read_back()
    {
        var entry = AuditChain.Next(AuditHead.Genesis, T0, new AuditNote("who\ud800", "x", new string('s', 1_000), new string('d', 5_000)), key);

        Assert.Equal("who\ufffd", entry.Who);
        Assert.Equal(AuditNote.MaxName, entry.Subject.Length);
        Assert.Equal(AuditNote.MaxDetail, entry.Detail.Length);
        Assert.EndsWith("…", entry.Detail, StringComparison.Ordinal);
        Assert.Equal(entry, AuditEncoding.Read(AuditEncoding.Stored(entry), 0));
    }
}
