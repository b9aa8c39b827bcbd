resource "aws_s3_bucket" "logs" {
  bucket = "example-build-logs"
}

resource "aws_security_group" "ssh" {
  name = "ssh-from-anywhere"

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_ebs_volume" "data" {
  #checkov:skip=CKV_AWS_3:Scratch volume holds no customer data
  availability_zone = "eu-west-1a"
  size              = 40
}
