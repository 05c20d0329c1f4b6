using System.Buffers.Text;
using EdgeTrain.Core.Security;
using EdgeTrain.Tests;

namespace EdgeTrain.Core.Tests.Security;

public sealed class JoinTokenSpec : IDisposable
{
    private readonly TempFolder temp = new();
    private readonly ManualClock clock = new();
    private readonly CertificateAuthority ca;

    public JoinTokenSpec() => ca = CertificateAuthority.Init(Path.Combine(temp.Path, "ca"), "test", clock);

    public void Dispose()
    {
        ca.Dispose();
        temp.Dispose();
    }

    private static string Tamper(string text, Func<byte[], byte[]> payload, Func<byte[], byte[]>? signature = null)
    {
        var parts = text[JoinToken.Prefix.Length..].Split('.');
        var p = payload(Base64Url.DecodeFromChars(parts[0]));
        var s = (signature ?? (b => b))(Base64Url.DecodeFromChars(parts[1]));
        return JoinToken.Prefix + Base64Url.EncodeToString(p) + "." + Base64Url.EncodeToString(s);
    }

    [Fact]
    public void A_token_is_one_short_line_that_reads_back_and_is_accepted_once()
    {
        var endpoint = new Uri("https://seed.example.org:4443/enrol");
        var token = ca.CreateToken(["trainer", "params"], TimeSpan.FromHours(2), endpoint);

        Assert.StartsWith("et1.", token.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Text, char.IsWhiteSpace);
        Assert.InRange(token.Text.Length, 150, 260);
        Assert.Matches("^[0-9a-f]{32}$", token.Id);

        var read = JoinToken.Parse(token.Text);
        Assert.Equal(token.Id, read.Id);
        Assert.Equal(["params", "trainer"], read.Roles);
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromHours(2), read.Expires);
        Assert.Equal(ca.Pin, read.CaPin);
        Assert.Equal(endpoint, read.Endpoint);

        var redeemed = ca.RedeemToken(token.Text, ["trainer"]);
        Assert.Equal(token.Id, redeemed.Id);
        Assert.Equal(["params", "trainer"], redeemed.Roles);
    }

    [Fact]
    public void By_default_a_token_grants_params_aggregator_and_trainer_for_an_hour_and_names_no_endpoint()
    {
        var token = ca.CreateToken();

        Assert.Equal(["params", "aggregator", "trainer"], token.Roles);
        Assert.DoesNotContain("seed", token.Roles);
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromHours(1), token.Expires);
        Assert.Null(token.Endpoint);
        Assert.Equal(token.Id, ca.RedeemToken(token.Text).Id);
    }

    [Fact]
    public void The_seed_role_is_granted_when_asked_for()
    {
        var token = ca.CreateToken(["seed", "params"]);
        Assert.Equal(["seed", "params"], ca.RedeemToken(token.Text, ["seed"]).Roles);
    }

    [Fact]
    public void Whitespace_from_copying_is_ignored()
    {
        var token = ca.CreateToken();
        var wrapped = " " + token.Text[..40] + "\n  " + token.Text[40..] + "\r\n";
        Assert.Equal(token.Id, ca.RedeemToken(wrapped).Id);
    }

    [Fact]
    public void A_token_whose_payload_was_altered_is_refused()
    {
        var token = ca.CreateToken(["params"]);
        // a later expiry: byte 17 is the top of the 8-byte expiry
        var later = Tamper(token.Text, p =>
        {
            p[20] ^= 0x01;
            return p;
        });
        // more roles: "params" becomes "seed,params" — the length byte and the text
        var seed = Tamper(token.Text, p =>
        {
            var at = 1 + 16 + 8 + 32;
            var roles = "seed,params"u8.ToArray();
            return [.. p[..at], (byte)roles.Length, .. roles, .. p[(at + 1 + p[at])..]];
        });

        var refusedLater = Assert.Throws<InvalidInputException>(() => ca.RedeemToken(later));
        var refusedSeed = Assert.Throws<InvalidInputException>(() => ca.RedeemToken(seed, ["seed"]));

        Assert.Equal("signature", refusedLater.Key);
        Assert.Equal("signature", refusedSeed.Key);
        Assert.Equal(token.Id, ca.RedeemToken(token.Text).Id); // the real one is still good
    }

    [Fact]
    public void A_token_whose_signature_was_altered_is_refused()
    {
        var token = ca.CreateToken();
        var altered = Tamper(token.Text, p => p, s =>
        {
            s[^1] ^= 0x80;
            return s;
        });

        Assert.Equal("signature", Assert.Throws<InvalidInputException>(() => ca.RedeemToken(altered)).Key);
    }

    [Fact]
    public void A_token_of_another_CA_is_refused_naming_both_pins()
    {
        using var other = CertificateAuthority.Init(Path.Combine(temp.Path, "other"), "other", clock);
        var foreign = other.CreateToken();

        var refused = Assert.Throws<InvalidInputException>(() => ca.RedeemToken(foreign.Text));

        Assert.Equal("ca", refused.Key);
        Assert.Contains(other.Pin.ToString(), refused.Message, StringComparison.Ordinal);
        Assert.Contains(ca.Pin.ToString(), refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_of_another_CA_given_this_CA_s_pin_is_refused_for_its_signature()
    {
        using var other = CertificateAuthority.Init(Path.Combine(temp.Path, "other"), "other", clock);
        var forged = Tamper(other.CreateToken().Text, p =>
        {
            ca.Pin.Hash.CopyTo(p.AsSpan(1 + 16 + 8));
            return p;
        });

        Assert.Equal(ca.Pin, JoinToken.Parse(forged).CaPin);
        Assert.Equal("signature", Assert.Throws<InvalidInputException>(() => ca.RedeemToken(forged)).Key);
    }

    [Fact]
    public void A_token_is_accepted_until_it_expires_and_refused_from_then_on()
    {
        var first = ca.CreateToken(ttl: TimeSpan.FromMinutes(30));
        var second = ca.CreateToken(ttl: TimeSpan.FromMinutes(30));

        clock.Advance(TimeSpan.FromMinutes(30) - TimeSpan.FromSeconds(1));
        Assert.Equal(first.Id, ca.RedeemToken(first.Text).Id);
        clock.Advance(TimeSpan.FromSeconds(1));
        var refused = Assert.Throws<InvalidInputException>(() => ca.RedeemToken(second.Text));

        Assert.Equal("expires", refused.Key);
        Assert.Contains("token create", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Roles_beyond_the_token_are_refused_naming_them_and_do_not_use_it_up()
    {
        var token = ca.CreateToken(["params", "trainer"]);

        var refused = Assert.Throws<InvalidInputException>(() => ca.RedeemToken(token.Text, ["trainer", "seed", "gateway"]));

        Assert.Equal("roles", refused.Key);
        Assert.Contains("asks for seed, gateway,", refused.Message, StringComparison.Ordinal);
        Assert.Contains("grants params, trainer", refused.Message, StringComparison.Ordinal);
        Assert.Equal(token.Id, ca.RedeemToken(token.Text, ["trainer"]).Id);
    }

    [Fact]
    public void A_token_is_accepted_once_even_by_another_CA_instance_of_the_same_folder()
    {
        var token = ca.CreateToken();
        ca.RedeemToken(token.Text);

        var again = Assert.Throws<InvalidInputException>(() => ca.RedeemToken(token.Text));
        using var reloaded = CertificateAuthority.Load(ca.Folder, clock);
        var elsewhere = Assert.Throws<InvalidInputException>(() => reloaded.RedeemToken(token.Text));

        Assert.Contains("already used", again.Message, StringComparison.Ordinal);
        Assert.Contains(token.Id, again.Message, StringComparison.Ordinal);
        Assert.Contains("already used", elsewhere.Message, StringComparison.Ordinal);
        Assert.Contains(token.Id, File.ReadAllText(Path.Combine(ca.Folder, CertificateAuthority.UsedTokensFile)), StringComparison.Ordinal);
    }

    [Fact]
    public void Of_many_threads_redeeming_one_token_at_once_exactly_one_succeeds()
    {
        const int threads = 8;
        var tokens = Enumerable.Range(0, 5).Select(_ => ca.CreateToken()).ToArray();
        // one CA instance a thread, as separate seed processes would have
        var instances = Enumerable.Range(0, threads).Select(_ => CertificateAuthority.Load(ca.Folder, clock)).ToArray();
        try
        {
            foreach (var token in tokens)
            {
                using var start = new Barrier(threads);
                var outcomes = new string[threads];
                var workers = Enumerable.Range(0, threads).Select(i => new Thread(() =>
                {
                    start.SignalAndWait();
                    try
                    {
                        instances[i].RedeemToken(token.Text);
                        outcomes[i] = "accepted";
                    }
                    catch (InvalidInputException e)
                    {
                        outcomes[i] = e.Message.Contains("already used", StringComparison.Ordinal) ? "used" : e.Message;
                    }
                })).ToArray();
                foreach (var worker in workers)
                {
                    worker.Start();
                }

                foreach (var worker in workers)
                {
                    worker.Join();
                }

                Assert.Equal(1, outcomes.Count(o => o == "accepted"));
                Assert.Equal(threads - 1, outcomes.Count(o => o == "used"));
            }

            var lines = File.ReadAllLines(Path.Combine(ca.Folder, CertificateAuthority.UsedTokensFile));
            Assert.Equal(tokens.Select(t => t.Id).Order(), lines.Select(l => l.Split('\t')[0]).Order());
        }
        finally
        {
            foreach (var instance in instances)
            {
                instance.Dispose();
            }
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("et2.AAAA.AAAA")]
    [InlineData("et1.AAAA")]
    [InlineData("et1.AAAA.")]
    [InlineData("et1.!!!!.AAAA")]
    [InlineData("et1.AAAA.AAAA.AAAA")]
    public void Text_that_is_not_a_token_is_refused_as_malformed(string text)
    {
        var refused = Assert.Throws<InvalidInputException>(() => ca.RedeemToken(text));
        Assert.Equal("join token", refused.Source);
        Assert.Equal("format", refused.Key);
    }

    [Fact]
    public void A_token_cut_short_is_refused_without_showing_its_text()
    {
        var token = ca.CreateToken();
        var dot = token.Text.LastIndexOf('.');
        var cut = token.Text[..(dot - 8)] + token.Text[dot..];

        var refused = Assert.Throws<InvalidInputException>(() => ca.RedeemToken(cut));

        Assert.Equal("format", refused.Key);
        Assert.DoesNotContain(token.Text[4..30], refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Text[4..30], token.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://seed:4443")]
    [InlineData("seed:4443")]
    [InlineData("https://user:pw@seed:4443")]
    [InlineData("/enrol")]
    public void An_endpoint_that_is_not_an_https_URL_is_refused(string url)
    {
        var refused = Assert.Throws<InvalidInputException>(() => JoinToken.ParseEndpoint(url, "command line", "--endpoint"));
        Assert.Equal("--endpoint", refused.Key);
    }

    [Fact]
    public void A_ttl_that_is_not_positive_or_longer_than_30_days_is_refused()
    {
        Assert.Equal("ttl", Assert.Throws<InvalidInputException>(() => ca.CreateToken(ttl: TimeSpan.Zero)).Key);
        Assert.Equal("ttl", Assert.Throws<InvalidInputException>(() => ca.CreateToken(ttl: TimeSpan.FromDays(31))).Key);
        Assert.Equal("roles", Assert.Throws<InvalidInputException>(() => ca.CreateToken(["root"])).Key);
    }
}
