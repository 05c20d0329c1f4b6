using System.Text;
using EdgeTrain.Core.Integrity;

namespace EdgeTrain.Core.Tests.Integrity;

public sealed class Crc32CSpec
{
    // reference values: the CRC catalogue's check value and RFC 3720 (iSCSI) appendix B.4
    [Fact]
    public void The_check_value_of_123456789_is_E3069283() =>
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));

    [Fact]
    public void No_bytes_checksum_to_zero() => Assert.Equal(0u, Crc32C.Compute([]));

    [Fact]
    public void Thirty_two_zero_bytes_match_RFC_3720() => Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));

    [Fact]
    public void Thirty_two_FF_bytes_match_RFC_3720() =>
        Assert.Equal(0x62A8AB43u, Crc32C.Compute(Enumerable.Repeat((byte)0xFF, 32).ToArray()));

    [Fact]
    public void Thirty_two_ascending_bytes_match_RFC_3720() =>
        Assert.Equal(0x46DD794Eu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));

    [Fact]
    public void Thirty_two_descending_bytes_match_RFC_3720() =>
        Assert.Equal(0x113FDB5Cu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray()));

    [Fact]
    public void Appending_equals_checksumming_the_whole()
    {
        var data = new byte[1_003];
        new Random(7).NextBytes(data);
        var whole = Crc32C.Compute(data);

        for (var split = 0; split <= data.Length; split += 17)
        {
            Assert.Equal(whole, Crc32C.Append(Crc32C.Compute(data.AsSpan(0, split)), data.AsSpan(split)));
        }
    }

    [Fact]
    public void Every_flipped_byte_changes_the_checksum()
    {
        var data = new byte[203];
        new Random(3).NextBytes(data);
        var original = Crc32C.Compute(data);

        for (var i = 0; i < data.Length; i++)
        {
            foreach (var mask in new byte[] { 0x01, 0x80, 0xFF, 0x5A })
            {
                data[i] ^= mask;
                Assert.NotEqual(original, Crc32C.Compute(data));
                data[i] ^= mask;
            }
        }
    }
}
